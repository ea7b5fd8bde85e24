"""A local stand-in for the Messages API: real HTTP on a loopback port, real SSE framing.

Tests and benchmarks run the real `claude` against it; people can run it to try the tool
offline (`python -m claude_cli.emulator`, cli.py), and the base URL `emulator` starts one
inside the claude process. `Emulator` puts the pieces together:

  state.py     ids, uploaded files, prompt-cache prefixes, containers; the state dir
  routes.py    the endpoints, as a table, and the dispatcher every request goes through
  handler.py   the HTTP handler and the per-request Exchange (response headers, gzip, streams)
  rules.py     what the API refuses, as tables of rules raising one ApiProblem
  answers.py   the default answer (an echo of the last user text) and the Message around a reply
  sse.py       a Message as stream events and SSE frames
  script.py    scripted replies (Reply), queued with `enqueue` or POST /_emulator/script
  faults.py    a reply played onto the wire: errors, an `error` event, a drop, a stall, a trickle
  content.py, server_tools.py, models.py, batches.py
               checks on content blocks; server tools; the model catalogue; Message Batches
  platforms.py the cloud platforms' wires (Bedrock, Vertex AI, Foundry, Claude Platform on AWS):
               their checks, their bodies to the API's, their answers; rows of routes.py
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .answers import build_message, default_reply
from .batches import Batches, RateLimiter
from .handler import Exchange, Server
from .models import Catalogue
from .platforms import Account, accounts
from .routes import Recorded, dispatch
from .rules import BATCH, BATCH_BETAS, MESSAGE_RULES, ApiProblem, Call, betas_of, check
from .script import Reply, Script
from .state import State

# Where each platform's requests arrive (its wire's paths in routes.py).
PLATFORM_PATHS = {"bedrock": "/model/", "vertex": "/v1/projects/", "foundry": "/anthropic/", "aws": "/aws/"}
# The context window the emulator enforces, in its own tokens (about four bytes of text each).
CONTEXT_WINDOW = 1_000_000


class Emulator:
    """The server. Use as a context manager, or start()/stop()."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        api_key: str | None = None,
        latency: float = 0.0,
        rate_limit: tuple[int, float] | None = None,
        batch_seconds: float = 0.2,
        context_window: int | None = CONTEXT_WINDOW,
        models: list[dict[str, Any]] | None = None,
        state_dir: Path | None = None,
    ):
        # GET /v1/models answers from here; `models` adds or replaces ModelInfo objects, and a
        # model's capabilities decide what the emulator refuses for it (emulator/models.py).
        self.catalogue = Catalogue(models)
        self.context_window = context_window  # prompt tokens refused beyond (None: no limit)
        self.api_key = api_key  # when set, x-api-key must equal it
        self.latency = latency  # seconds added before every answer
        # (requests, seconds): /v1/messages answers 429 beyond that many per window
        self.limiter = RateLimiter(*rate_limit) if rate_limit else None
        # Files, cache prefixes and batches are kept in `state_dir` between runs (None: memory
        # only), so the built-in emulator, a new server in every claude process, behaves across
        # commands as the one real API does (state.py).
        self.state = State(state_dir)
        self.batches = Batches(self.batch_answer, self.state.new_id, batch_seconds)
        if state_dir is not None:
            self.batches.items.update(self.state.kept_batches())
            self.batches.on_change = self.state.keep_batch
        # Scripted replies: enqueue() and POST /_emulator/script, then the state dir's script.json
        # (the built-in emulator's only way in: each claude command starts a new one).
        self.script = Script(state_dir / "script.json" if state_dir is not None else None)
        self.requests: list[Recorded] = []
        self.first_text_sent: list[float] = []  # time.monotonic() as each trickle's first text delta left
        self._lock = threading.Lock()
        self.httpd = Server((host, port), self._dispatch, self.state.new_id)
        self._thread: threading.Thread | None = None
        # Each cloud platform's settings (the key it takes, its region...): platforms.py.
        self.accounts: dict[str, Account] = accounts(self.url)

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host if isinstance(host, str) else host.decode()}:{port}"

    def start(self) -> Emulator:
        self._thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, name="emulator", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _dispatch(self, ex: Exchange) -> None:
        dispatch(self, ex)

    def enqueue(self, *replies: Reply) -> None:
        """Script the next requests to /v1/messages, in order."""
        self.script.extend(list(replies))

    def record(self, rec: Recorded) -> None:
        with self._lock:
            self.requests.append(rec)

    @property
    def message_requests(self) -> list[Recorded]:
        """The Messages requests, also those a platform's request became (`via` names it)."""
        return [r for r in self.requests if r.path == "/v1/messages"]

    def platform(self, name: str, **settings: Any) -> Account:
        """Platform `name`'s settings (platforms.Account), with `settings` changed first."""
        account = self.accounts[name]
        for key, value in settings.items():
            if not hasattr(account, key):
                raise TypeError(f"no platform setting {key!r}")
            setattr(account, key, value)
        return account

    def seen(self, platform: str) -> list[Recorded]:
        """The requests that came in through `platform`'s wire, as they came."""
        prefix = PLATFORM_PATHS[platform]
        return [r for r in self.requests if r.via is None and r.path.startswith(prefix)]

    def call(self, endpoint: str, headers: Mapping[str, str], body: Any, **over: Any) -> Call:
        """A Messages body at `endpoint`, with what the rules need to judge it (rules.py)."""
        settings: dict[str, Any] = {
            "catalogue": self.catalogue,
            "files": self.state.files,
            "containers": self.state.containers,
            "betas": betas_of(headers),
            "context_window": self.context_window,
        }
        return Call(endpoint, headers, body, **{**settings, **over})

    def batch_answer(self, params: dict[str, Any], api_version: str = "") -> tuple[str, dict[str, Any]]:
        """One batch request's result: ("succeeded", Message) or ("errored", error response),
        judged under the API version the batch was created with (none: a batch kept from before)."""
        headers = {"anthropic-version": api_version} if api_version else {}
        try:
            check(MESSAGE_RULES, self.call(BATCH, headers, params, betas=BATCH_BETAS))
        except ApiProblem as problem:
            return "errored", problem.error()
        return "succeeded", build_message(self.state, params, default_reply(params))
