"""The only place that speaks HTTP: the connection, headers, retries, error statuses to errors.

Not the SDK's HTTP stack: `import anthropic` costs about 2 s and httpx2 0.15 s on these machines;
nor http.client, which brings ssl and the email package even for plain http (see README,
"What the fast path still pays"): http11.py is the HTTP/1.1 connection. Beside it: `response.py`
(reading a body, the --timeout rule) and `retry.py` (when to retry, how long to wait, the batch
pacer).
"""

from __future__ import annotations

import os
import socket

from .. import __version__
from ..config import Credentials
from ..errors import ApiError, ConnectionFailure, ProtocolError, UsageError
from ..typecheck import Protocol
from ..urls import is_loopback, split_url
from ..versions import DEFAULT_API_VERSION
from .http11 import Connection, HttpError, RemoteDisconnected
from .http11 import Response as RawResponse
from .response import Response, Silence, api_error_from_body, body_decoder, describe
from .retry import SYSTEM_CLOCK, Clock, Pacer, backoff, retry_after_seconds, should_retry, too_long

TYPE_CHECKING = False  # typing for the type checker only (typecheck.py)
if TYPE_CHECKING:
    from collections.abc import Callable
    from urllib.parse import SplitResult

    from .platforms.base import Platform

MAX_REQUEST_BYTES = 32 * 1024 * 1024  # the Messages API's documented request size limit


class Guard(Protocol):
    """Watches every attempt of the transports it is given to (a batch's fail-fast), and may stop them."""

    def check(self) -> None:
        """Called before each attempt; raises to send nothing more."""

    def answered(self) -> None:
        """The server answered (any HTTP status): it can be reached."""

    def failed(self, exc: BaseException, failure: ConnectionFailure) -> None:
        """An attempt could not reach the server; raises to stop retrying."""


class Transport:
    """A keep-alive HTTP client for one API base URL."""

    def __init__(
        self,
        base_url: str,
        credentials: Credentials | None,
        *,
        betas: list[str] | None = None,
        timeout: float = 600.0,
        max_retries: int = 2,
        debug: Callable[[str], None] | None = None,
        notice: Callable[[str], None] | None = None,
        wait_retry: bool = False,
        clock: Clock = SYSTEM_CLOCK,
        api_version: str = DEFAULT_API_VERSION,
        platform: Platform | None = None,
        extra_headers: dict[str, str] | None = None,
    ) -> None:
        try:
            scheme, host, port, path = split_url(base_url)
        except ValueError:  # a port out of range
            scheme, host, port, path = "", None, -1, ""
        if scheme not in ("http", "https") or not host or port == -1:
            shown = redact_url(base_url)
            raise UsageError(f"base URL must be http(s)://host[:port][/path], not {shown!r}")
        # Userinfo in the URL is never sent (there is no such API authentication) nor shown.
        self.base_url = redact_url(base_url).rstrip("/")
        self._scheme = scheme
        self._host = host
        self._port = port
        self._prefix = path.rstrip("/")
        self._credentials = credentials or Credentials()
        self._betas = list(betas or [])
        self.api_version = api_version  # the anthropic-version header (versions.py)
        self.timeout = timeout
        self.max_retries = max_retries
        self.wait_retry = wait_retry  # wait out a retry-after too_long() instead of failing
        self._debug = debug
        self.notice = notice
        self._conn: Connection | None = None
        self.pacer: Pacer | None = None  # shared by the transports of one batch
        self.guard: Guard | None = None  # shared by the transports of one batch: stops it early
        self.retries = 0  # retries made so far (batch summaries count them)
        self.clock = clock  # every wait reads it (the tests' fake clock)
        self._silence = Silence(timeout, clock.monotonic)
        self._absolute = False
        self._proxy_headers: dict[str, str] = {}
        self._proxy_shown: str | None = None  # `http://host:port (HTTPS_PROXY)`, when requests go through one
        # Bedrock, Vertex AI, Foundry, Claude Platform on AWS: its own paths, body and authentication
        # (api/platforms/); the Anthropic credentials are never sent to it.
        self.platform = platform
        self.extra_headers = dict(extra_headers or {})  # --header, ANTHROPIC_CUSTOM_HEADERS: never shown

    @property
    def sends_key_in_clear(self) -> bool:
        """Whether requests carry a credential over plain http to a host that is not loopback."""
        has_key = self.platform is not None or bool(self._credentials.api_key or self._credentials.auth_token)
        return has_key and self._scheme == "http" and not is_loopback(self._host)

    def add_beta(self, name: str) -> None:
        """Send the anthropic-beta `name` from now on (once)."""
        if name not in self._betas:
            self._betas.append(name)

    # -- headers ---------------------------------------------------------------------------
    def headers(
        self, *, stream: bool = False, redact: bool = False, content_type: str = "application/json"
    ) -> dict[str, str]:
        """The request headers; with redact, the secrets are replaced for display."""
        h = {
            "anthropic-version": self.api_version,
            "content-type": content_type,
            "accept": "text/event-stream" if stream else "application/json",
            "user-agent": f"claude-cli/{__version__}",
        }
        for name, value in self.extra_headers.items():
            h[name.lower()] = "<redacted>" if redact else value
        if self.platform is not None:
            if not self.platform.version_header:  # the version goes in the body there
                del h["anthropic-version"]
            if self._betas:
                h["anthropic-beta"] = ",".join(self._betas)
            return h  # the platform adds its own authentication (authorize), per attempt
        if self._credentials.api_key:
            h["x-api-key"] = "<redacted>" if redact else self._credentials.api_key
        if self._credentials.auth_token:
            h["authorization"] = "Bearer <redacted>" if redact else f"Bearer {self._credentials.auth_token}"
        if self._betas:
            h["anthropic-beta"] = ",".join(self._betas)
        return h

    def routed(self, method: str, path: str, body: bytes | None, *, stream: bool) -> tuple[str, bytes | None]:
        """The path and body as sent: a platform's (api/platforms/), else unchanged."""
        if self.platform is None:
            return path, body
        return self.platform.route(
            method, path, body, stream=stream, betas=tuple(self._betas), api_version=self.api_version
        )

    def url(self, path: str) -> str:
        return f"{self.base_url}{path}"

    # -- connection ------------------------------------------------------------------------
    def _connection(self) -> Connection:
        if self._conn is None:
            proxy = proxy_for(self._scheme, self._host)
            via = (proxy.hostname, proxy.port) if proxy is not None and proxy.hostname else None
            self._proxy_shown = _proxy_shown(self._scheme, proxy) if via and proxy is not None else None
            # A plain-http proxy takes the absolute URL as the request target; an https request
            # goes through a CONNECT tunnel (TLS end to end with the API).
            self._absolute = bool(proxy) and self._scheme == "http"
            self._proxy_headers = _proxy_auth(proxy) if self._absolute and proxy else {}
            self._silence = Silence(self.timeout, self.clock.monotonic)  # every read bounded by it
            self._conn = Connection(
                self._host,
                self._port,
                tls=self._scheme == "https",
                timeout=self.timeout,
                watch=self._silence,
                via=via,
                via_headers=_proxy_auth(proxy) if proxy and not self._absolute else None,
            )
        return self._conn

    def _unreachable(self, exc: BaseException) -> str:
        """The line for a request that could not reach the server: through a proxy, the proxy is
        named (as curl does), and a connection refused or a name not resolved is the proxy's own:
        claude connects to nothing else then (a tunnel the proxy could not open says so itself)."""
        why = describe(exc)
        proxy = self._proxy_shown
        if proxy is None:
            return f"cannot reach {self.base_url}: {why}"
        if isinstance(exc, (ConnectionRefusedError, socket.gaierror)):
            return f"cannot reach the proxy {proxy} for {self.base_url}: {why}"
        return f"cannot reach {self.base_url} through the proxy {proxy}: {why}"

    def hurry(self, seconds: float) -> None:
        """The body being read must end within `seconds` (or --timeout, if shorter), whatever it
        sends meanwhile (the rest of a stream after message_stop: exchange._chunks)."""
        self._silence.ending(min(seconds, self.timeout))

    def close(self) -> None:
        """Drop the connection (the next request opens a new one)."""
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    # -- requests --------------------------------------------------------------------------
    def request(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        *,
        stream: bool = False,
        content_type: str = "application/json",
    ) -> Response:
        """Send a request, retrying what the API says may be retried; returns a 2xx Response.

        Raises ApiError for an error status (after retries), ConnectionFailure when the server
        cannot be reached or times out (after retries), ProtocolError for a redirect.
        """
        if body is not None and len(body) > MAX_REQUEST_BYTES:
            limit = MAX_REQUEST_BYTES // 2**20
            raise UsageError(f"request is {len(body) / 1e6:.1f} MB; the API accepts at most {limit} MB")
        path, body = self.routed(method, path, body, stream=stream)
        headers = self.headers(stream=stream, content_type=content_type)
        target = self._prefix + path
        attempt = 0
        while True:
            failure: Exception
            retry_after: float | None = None
            retry: bool
            if self.guard is not None:
                self.guard.check()
            if self.pacer is not None:
                self.pacer.wait()
            try:
                resp = self._send(method, target, body, headers)
            except (OSError, HttpError) as exc:
                if self.pacer is not None:
                    self.pacer.observe(None, {})
                self.close()
                failure = ConnectionFailure(self._unreachable(exc))
                retry = True
                if self.guard is not None:
                    self.guard.failed(exc, failure)
            except BaseException:
                if self.pacer is not None:
                    self.pacer.observe(None, {})  # the slot wait() gave is always given back
                self.close()
                raise
            else:
                if self.guard is not None:
                    self.guard.answered()
                if self.pacer is not None:
                    self.pacer.observe(resp.status, resp.headers)
                if 200 <= resp.status < 300:
                    return Response(resp, self)
                failure, retry, retry_after = self._failure(resp)
            long_wait = too_long(retry_after)
            if retry and long_wait and not self.wait_retry:
                raise _asked_to_wait(failure, retry_after or 0.0)
            if not retry or attempt >= self.max_retries:
                raise failure
            self.wait_to_retry(attempt, failure, retry_after)
            attempt += 1

    def _send(self, method: str, target: str, body: bytes | None, headers: dict[str, str]) -> RawResponse:
        conn = self._connection()
        if self.platform is not None:  # signed per attempt (a SigV4 signature carries its time)
            netloc = self._host + (f":{self._port}" if self._port else "")
            headers = self.platform.authorize(method, f"{self._scheme}://{netloc}{target}", headers, body)
        if self._absolute:
            netloc = self._host + (f":{self._port}" if self._port else "")
            target = f"http://{netloc}{target}"
            headers = {**headers, **self._proxy_headers}
        if self._debug:
            self._debug(f"{method} {self.url(path_of(target)[len(self._prefix) :])}")
            if self._proxy_shown:
                self._debug(f"  (through the proxy {self._proxy_shown})")
            if self.platform is not None:
                custom = {k.lower() for k in self.extra_headers}
                shown = {
                    k: "<redacted>" if k.lower() in custom else v
                    for k, v in self.platform.shown(headers).items()
                }
            else:
                shown = self.headers(
                    stream=headers["accept"] == "text/event-stream",
                    redact=True,
                    content_type=headers["content-type"],
                )
            for k, v in shown.items():
                self._debug(f"  {k}: {v}")
        reused = conn.reusable
        try:
            resp = self._exchange(conn, method, target, body, headers)
        except (RemoteDisconnected, BrokenPipeError, ConnectionResetError):
            if not reused:
                raise  # a fresh connection failed: that is a real failure, counted as a retry
            # A kept-alive connection the server already closed: reconnect once, silently.
            self.close()
            resp = self._exchange(self._connection(), method, target, body, headers)
        if self._debug:
            self._debug(f"-> {resp.status} {resp.reason} request-id {resp.getheader('request-id', '-')}")
        return resp

    def _exchange(
        self, conn: Connection, method: str, target: str, body: bytes | None, headers: dict[str, str]
    ) -> RawResponse:
        """Send the request and read the status line and headers (within one --timeout in all)."""
        conn.send(method, target, body, headers)
        self._silence.request_sent()
        resp = conn.response(method)
        # An event stream must keep completing lines; an encoded one is judged by its bytes
        # (its newlines are inside the compressed data).
        ctype = (resp.getheader("content-type") or "").split(";")[0].strip().lower()
        plain = (resp.getheader("content-encoding") or "identity").strip().lower() == "identity"
        self._silence.body(lines=ctype == "text/event-stream" and plain, whole=ctype == "application/json")
        return resp

    def _failure(self, resp: RawResponse) -> tuple[Exception, bool, float | None]:
        """The error a non-2xx response stands for, whether to retry it, and how long to wait."""
        headers = resp.headers
        try:
            data = resp.read()
        except (OSError, HttpError):
            data = b""
            self.close()
        try:
            decoder = body_decoder(headers)
            data = b"".join([*decoder.feed(data), *decoder.close()]) if decoder else data
        except ProtocolError:
            pass  # the message shows what came
        status = resp.status
        if 300 <= status < 400:
            where = headers.get("location", "?")
            return ProtocolError(f"unexpected redirect ({status}) to {where}; not followed"), False, None
        error = api_error_from_body(status, data, headers)
        if self.platform is not None and error.error_type == "authentication_error":
            error.message += self.platform.refused_credentials()  # expired or revoked: which, and the fix
        if status == 404:
            error.message += (
                "" if self.platform is not None else not_found_hint(self.base_url, error.api_message)
            )
        return error, should_retry(status, headers), retry_after_seconds(headers, self.clock)

    def wait_to_retry(self, attempt: int, failure: Exception, retry_after: float | None = None) -> None:
        """Announce (if anyone is watching) and wait out the pause before retry number `attempt` (0-based)."""
        delay = retry_after if retry_after is not None else backoff(attempt, self.clock)
        self.retries += 1
        if self.notice:
            self.notice(f"{failure}; retry {attempt + 1} of {self.max_retries} in {delay:.1f} s")
        self.clock.sleep(delay)


def not_found_hint(base_url: str, message: str) -> str:
    """What to do about a 404: a base URL ending in /v1 (requests add it), or an unknown model."""
    if split_url(base_url)[3].rstrip("/").endswith("/v1"):
        return "; the base URL must not end in /v1 (claude adds /v1/... itself): drop it"
    if message.startswith("model:"):  # the API's message for an unknown model id
        return "; run `claude models` for the models this key can use (`claude models --aliases` for aliases)"
    return ""


def _asked_to_wait(failure: Exception, seconds: float) -> Exception:
    """`failure`, saying how long the server asked to wait (longer than claude waits by itself)."""
    if isinstance(failure, ApiError):
        said = f"; the server asked to wait {seconds:.0f} s before retrying (--wait-retry waits)"
        failure.message += said
        failure.api_message += said
    return failure


def proxy_for(scheme: str, host: str) -> SplitResult | None:
    """The proxy from HTTP(S)_PROXY for this scheme and host, unless NO_PROXY exempts the host."""
    if not any(name.lower() in ("http_proxy", "https_proxy", "all_proxy") for name in os.environ):
        return None  # the common case costs nothing: urllib.request is not imported
    import urllib.request
    from urllib.parse import urlsplit

    # urllib.request has it (the NO_PROXY rule); typeshed's stub leaves it out.
    if urllib.request.proxy_bypass_environment(host):  # type: ignore[attr-defined]
        return None
    proxies = urllib.request.getproxies_environment()
    url = proxies.get(scheme) or proxies.get("all")
    if not url:
        return None
    proxy = urlsplit(url if "://" in url else f"http://{url}")
    return proxy if proxy.hostname else None


def _proxy_shown(scheme: str, proxy: SplitResult) -> str:
    """The proxy as messages name it: its URL without credentials, and the variable it came from."""
    port = f":{proxy.port}" if proxy.port else ""
    url = f"{proxy.scheme}://{_bracketed(proxy.hostname or '')}{port}"
    names = (f"{scheme}_proxy", f"{scheme.upper()}_PROXY", "all_proxy", "ALL_PROXY")
    given = next((name for name in names if os.environ.get(name)), None)
    return f"{url} ({given})" if given else url


def _bracketed(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def _proxy_auth(proxy: SplitResult) -> dict[str, str]:
    if not proxy.username:
        return {}
    import base64
    from urllib.parse import unquote

    pair = f"{unquote(proxy.username)}:{unquote(proxy.password or '')}".encode()
    return {"Proxy-Authorization": "Basic " + base64.b64encode(pair).decode()}


def redact_url(url: str) -> str:
    """`url` with any user:password@ replaced by `<redacted>@`, for messages and --dry-run."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        return url
    authority, slash, tail = rest.partition("/")
    if "@" not in authority:
        return url
    return f"{scheme}://<redacted>@{authority.rpartition('@')[2]}{slash}{tail}"


def path_of(target: str) -> str:
    """The path of a request target, origin-form or absolute-form."""
    if "://" not in target:
        return target
    from urllib.parse import urlsplit  # (absolute-form: through a proxy)

    parts = urlsplit(target)
    return parts.path + (f"?{parts.query}" if parts.query else "")
