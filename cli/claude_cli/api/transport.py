"""The only place that speaks HTTP: headers, retries with backoff, timeouts, error mapping.

Built on the standard library's http.client rather than the SDK's HTTP stack: `import anthropic`
costs about 2 s and httpx2 0.15 s on these machines, http.client + ssl about 0.03 s (see README,
"Start-up"). Streaming reads use `read1`, which returns as soon as the socket has bytes, so a
text delta reaches stdout without waiting for a buffer to fill.
"""

from __future__ import annotations

import http.client
import math
import os
import random
import socket
import time
from collections.abc import Callable, Iterator
from typing import Any, Protocol
from urllib.parse import SplitResult, urlsplit

import orjson

from .. import __version__
from ..config import Credentials
from ..errors import STATUS_ERROR_TYPE, ApiError, ConnectionFailure, ProtocolError, UsageError

API_VERSION = "2023-06-01"
MAX_REQUEST_BYTES = 32 * 1024 * 1024  # the Messages API's documented request size limit
INITIAL_RETRY_DELAY = 0.5  # seconds, doubled each retry (as the SDK)
MAX_RETRY_DELAY = 8.0
MAX_RETRY_AFTER = 60.0  # a longer retry-after is reported (exit 14/15/16) unless --wait-retry
READ_SIZE = 65536
_RETRY_STATUSES = frozenset({408, 409, 429})
PACING_MARGIN = 0.05  # seconds added to a rate-limit pause


class Response:
    """A successful (2xx) response; the body is read by the caller, streamed or whole.

    Requests ask for `accept-encoding: identity` (http.client adds it), so that a text delta
    reaches stdout the moment it arrives. A proxy may compress the body anyway: gzip and deflate
    are decoded here, on the fly; any other content-encoding is a ProtocolError.
    """

    def __init__(self, raw: http.client.HTTPResponse, transport: Transport) -> None:
        self.raw = raw
        self.status = raw.status
        self.headers = {k.lower(): v for k, v in raw.getheaders()}
        self.request_id = self.headers.get("request-id")
        self._transport = transport

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()

    def iter_bytes(self) -> Iterator[bytes]:
        """The body in chunks as they arrive. Raises ConnectionFailure if the connection breaks."""
        decoder = self._decoder()
        read1 = self.raw.read1
        try:
            while True:
                chunk = read1(READ_SIZE)
                if not chunk:
                    break
                yield from decoder.feed(chunk) if decoder else (chunk,)
        except (OSError, http.client.HTTPException) as exc:
            self._transport.close()
            raise ConnectionFailure(f"connection lost mid-response: {_describe(exc)}") from exc
        if decoder:
            yield from decoder.close()

    def read(self) -> bytes:
        """The whole body."""
        try:
            data = self.raw.read()
        except (OSError, http.client.HTTPException) as exc:
            self._transport.close()
            raise ConnectionFailure(f"connection lost mid-response: {_describe(exc)}") from exc
        decoder = self._decoder()
        return b"".join([*decoder.feed(data), *decoder.close()]) if decoder else data

    def abandon(self) -> None:
        """Stop reading the body: the connection is dropped (what is left unread makes it unusable)."""
        self._transport.close()

    def _decoder(self) -> BodyDecoder | None:
        try:
            return body_decoder(self.headers)
        except ProtocolError:
            self._transport.close()  # the body is left unread: the connection cannot be reused
            raise

    def json(self) -> Any:
        """The whole body as JSON; a ProtocolError if it is not JSON."""
        data = self.read()
        try:
            return orjson.loads(data)
        except orjson.JSONDecodeError:
            raise ProtocolError(f"server sent a body that is not JSON: {_snippet(data)}") from None


class BodyDecoder:
    """A gzip- or deflate-encoded body, decoded chunk by chunk (in bounded pieces)."""

    PIECE = 1 << 20  # most bytes decoded out of one input piece at a time (a gzip bomb stays bounded)

    def __init__(self, encoding: str) -> None:
        import zlib  # only for an encoded body

        self.encoding = encoding
        self._zlib = zlib
        # gzip: the gzip wrapper; deflate: the zlib wrapper (RFC 9110 section 8.4.1.2).
        self._inflater = zlib.decompressobj(16 + zlib.MAX_WBITS if "gzip" in encoding else zlib.MAX_WBITS)

    def feed(self, data: bytes) -> Iterator[bytes]:
        """The decoded bytes of the next piece of the body."""
        try:
            while data:
                out = self._inflater.decompress(data, self.PIECE)
                data = self._inflater.unconsumed_tail
                if out:
                    yield out
        except self._zlib.error as exc:
            raise ProtocolError(f"the server's {self.encoding}-encoded body is damaged: {exc}") from None

    def close(self) -> Iterator[bytes]:
        """What is left once the body has ended."""
        try:
            rest = self._inflater.flush()
        except self._zlib.error as exc:
            raise ProtocolError(f"the server's {self.encoding}-encoded body is damaged: {exc}") from None
        if rest:
            yield rest
        if not self._inflater.eof:
            raise ProtocolError(f"the server's {self.encoding}-encoded body is damaged: it is cut short")


def body_decoder(headers: dict[str, str]) -> BodyDecoder | None:
    """The decoder for a response's content-encoding; None for an unencoded body."""
    encoding = headers.get("content-encoding", "").strip().lower()
    if encoding in ("", "identity"):
        return None
    if encoding in ("gzip", "x-gzip", "deflate"):
        return BodyDecoder(encoding)
    raise ProtocolError(
        f"the server sent a {encoding[:40]}-encoded body, which claude cannot read "
        "(it asks for identity; a proxy may have compressed it)"
    )


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
    ) -> None:
        parts = urlsplit(base_url)
        try:
            port = parts.port  # ValueError for a port out of range
        except ValueError:
            port = -1
        if parts.scheme not in ("http", "https") or not parts.hostname or port == -1:
            shown = redact_url(base_url)
            raise UsageError(f"base URL must be http(s)://host[:port][/path], not {shown!r}")
        # Userinfo in the URL is never sent (there is no such API authentication) nor shown.
        self.base_url = redact_url(base_url).rstrip("/")
        self._scheme = parts.scheme
        self._host = parts.hostname
        self._port = port
        self._prefix = parts.path.rstrip("/")
        self._credentials = credentials or Credentials()
        self._betas = list(betas or [])
        self.timeout = timeout
        self.max_retries = max_retries
        self.wait_retry = wait_retry  # wait out a retry-after over MAX_RETRY_AFTER instead of failing
        self._debug = debug
        self.notice = notice
        self._conn: http.client.HTTPConnection | None = None
        self._conn_used = False  # the connection has answered a request (so may be a stale keep-alive)
        self.pacer: Pacer | None = None  # shared by the transports of one batch
        self.guard: Guard | None = None  # shared by the transports of one batch: stops it early
        self.retries = 0  # retries made so far (batch summaries count them)
        self._absolute = False
        self._proxy_headers: dict[str, str] = {}

    @property
    def sends_key_in_clear(self) -> bool:
        """Whether requests carry a credential over plain http to a host that is not loopback."""
        has_key = bool(self._credentials.api_key or self._credentials.auth_token)
        return has_key and self._scheme == "http" and not _is_loopback(self._host)

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
            "anthropic-version": API_VERSION,
            "content-type": content_type,
            "accept": "text/event-stream" if stream else "application/json",
            "user-agent": f"claude-cli/{__version__}",
        }
        if self._credentials.api_key:
            h["x-api-key"] = "<redacted>" if redact else self._credentials.api_key
        if self._credentials.auth_token:
            h["authorization"] = "Bearer <redacted>" if redact else f"Bearer {self._credentials.auth_token}"
        if self._betas:
            h["anthropic-beta"] = ",".join(self._betas)
        return h

    def url(self, path: str) -> str:
        return f"{self.base_url}{path}"

    # -- connection ------------------------------------------------------------------------
    def _connection(self) -> http.client.HTTPConnection:
        if self._conn is None:
            proxy = proxy_for(self._scheme, self._host)
            host, port = (proxy.hostname, proxy.port) if proxy else (self._host, self._port)
            if self._scheme == "https":
                import ssl

                conn: http.client.HTTPConnection = http.client.HTTPSConnection(
                    host, port, timeout=self.timeout, context=ssl.create_default_context()
                )
                if proxy:  # CONNECT tunnel through the proxy; TLS is end to end with the API
                    conn.set_tunnel(self._host, self._port, headers=_proxy_auth(proxy))
            else:
                conn = http.client.HTTPConnection(host, port, timeout=self.timeout)
            # A plain-http proxy takes the absolute URL as the request target.
            self._absolute = bool(proxy) and self._scheme == "http"
            self._proxy_headers = _proxy_auth(proxy) if self._absolute and proxy else {}
            self._conn = conn
            self._conn_used = False
        return self._conn

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
        headers = self.headers(stream=stream, content_type=content_type)
        target = self._prefix + path
        attempt = 0
        while True:
            failure: Exception
            retry_after: float | None = None
            should_retry: bool
            if self.guard is not None:
                self.guard.check()
            if self.pacer is not None:
                self.pacer.wait()
            try:
                resp = self._send(method, target, body, headers)
            except (OSError, http.client.HTTPException) as exc:
                if self.pacer is not None:
                    self.pacer.observe(None, {})
                self.close()
                failure = ConnectionFailure(f"cannot reach {self.base_url}: {_describe(exc)}")
                should_retry = True
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
                    self.pacer.observe(resp.status, {k.lower(): v for k, v in resp.getheaders()})
                if 200 <= resp.status < 300:
                    return Response(resp, self)
                failure, should_retry, retry_after = self._failure(resp)
            long_wait = retry_after is not None and retry_after > MAX_RETRY_AFTER
            if should_retry and long_wait and not self.wait_retry:
                raise _asked_to_wait(failure, retry_after or 0.0)
            if not should_retry or attempt >= self.max_retries:
                raise failure
            self.wait_to_retry(attempt, failure, retry_after)
            attempt += 1

    def _send(
        self, method: str, target: str, body: bytes | None, headers: dict[str, str]
    ) -> http.client.HTTPResponse:
        conn = self._connection()
        if self._absolute:
            netloc = self._host + (f":{self._port}" if self._port else "")
            target = f"http://{netloc}{target}"
            headers = {**headers, **self._proxy_headers}
        if self._debug:
            self._debug(f"{method} {self.url(path_of(target)[len(self._prefix) :])}")
            shown = self.headers(
                stream=headers["accept"] == "text/event-stream",
                redact=True,
                content_type=headers["content-type"],
            )
            for k, v in shown.items():
                self._debug(f"  {k}: {v}")
        reused = self._conn_used
        try:
            conn.request(method, target, body=body, headers=headers)
            resp = conn.getresponse()
        except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
            if not reused:
                raise  # a fresh connection failed: that is a real failure, counted as a retry
            # A kept-alive connection the server already closed: reconnect once, silently.
            self.close()
            conn = self._connection()
            conn.request(method, target, body=body, headers=headers)
            resp = conn.getresponse()
        self._conn_used = True
        if self._debug:
            self._debug(f"-> {resp.status} {resp.reason} request-id {resp.getheader('request-id', '-')}")
        return resp

    def _failure(self, resp: http.client.HTTPResponse) -> tuple[Exception, bool, float | None]:
        """The error a non-2xx response stands for, whether to retry it, and how long to wait."""
        headers = {k.lower(): v for k, v in resp.getheaders()}
        try:
            data = resp.read()
        except (OSError, http.client.HTTPException):
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
        if status == 404:
            error.message += not_found_hint(self.base_url, error.api_message)
        hint = headers.get("x-should-retry")
        if hint == "true":
            retry = True
        elif hint == "false":
            retry = False
        else:
            retry = status in _RETRY_STATUSES or status >= 500
        return error, retry, retry_after_seconds(headers)

    def wait_to_retry(self, attempt: int, failure: Exception, retry_after: float | None = None) -> None:
        """Announce (if anyone is watching) and wait out the pause before retry number `attempt` (0-based)."""
        delay = retry_after if retry_after is not None else self.backoff(attempt)
        self.retries += 1
        if self.notice:
            self.notice(f"{failure}; retry {attempt + 1} of {self.max_retries} in {delay:.1f} s")
        time.sleep(delay)

    @staticmethod
    def backoff(attempt: int) -> float:
        """Exponential backoff with jitter for retry number `attempt` (0-based), as the SDK."""
        delay = min(INITIAL_RETRY_DELAY * 2.0**attempt, MAX_RETRY_DELAY)
        return delay * (1 - 0.25 * random.random())


class Pacer:
    """Pacing shared by concurrent transports: when the API says slow down, all of them do.

    Three mechanisms, all driven by what the API answers:
    - a budget: `anthropic-ratelimit-requests-remaining` and its `-reset` time say how many
      more requests this window takes; once they are spent (counting those in flight), new
      requests wait for the reset;
    - a pause: a 429/529 (its retry-after), or any `anthropic-ratelimit-*-remaining` of 0
      (until its `-reset`), stops every new request until then;
    - a window of requests in flight, AIMD like TCP: halved on a 429/529, grown by about one
      per window of successes, never above the concurrency asked for, so workers do not all
      fire at once when a pause ends.
    """

    LIMITS = ("requests", "tokens", "input-tokens", "output-tokens")

    def __init__(self, concurrency: int = 1) -> None:
        import threading

        self._cond = threading.Condition()
        self._resume_at = 0.0  # time.monotonic() before which nobody sends
        self._ceiling = float(max(1, concurrency))
        self.window = self._ceiling
        self._in_flight = 0
        self._budget: int | None = None  # requests left in the current rate-limit window
        self._budget_until = 0.0  # when that window resets (time.monotonic())
        self.wait_long = False  # --wait-retry: pause everyone for a retry-after over MAX_RETRY_AFTER

    def wait(self) -> None:
        """Block until a request may be sent: no pause on, budget left, room in the window."""
        with self._cond:
            while True:
                now = time.monotonic()
                if self._budget is not None and now >= self._budget_until:
                    self._budget = None  # a new window: unknown until the next answer
                spent = self._budget is not None and self._budget <= 0
                until = max(self._resume_at, self._budget_until if spent else 0.0)
                if until <= now and self._in_flight < int(self.window):
                    self._in_flight += 1
                    if self._budget is not None:
                        self._budget -= 1
                    return
                self._cond.wait(timeout=min(until - now, 0.5) if until > now else 0.5)

    def observe(self, status: int | None, headers: dict[str, str]) -> None:
        """The answer to a request let through by wait() (status None: no answer came).

        Never raises: the slot wait() gave must come back whatever the server sent.
        """
        now = time.monotonic()
        limited = status in (429, 529)
        try:
            pause = (retry_after_seconds(headers) or INITIAL_RETRY_DELAY) if limited else 0.0
            for kind in self.LIMITS:
                if headers.get(f"anthropic-ratelimit-{kind}-remaining") == "0":
                    pause = max(pause, _seconds_until(headers.get(f"anthropic-ratelimit-{kind}-reset")))
        except Exception:
            pause = INITIAL_RETRY_DELAY if limited else 0.0
        with self._cond:
            self._in_flight = max(0, self._in_flight - 1)
            remaining = headers.get("anthropic-ratelimit-requests-remaining")
            if remaining is not None and remaining.isdigit():
                # What the server had left when it answered, less what we sent since.
                self._budget = int(remaining) - self._in_flight
                reset = _seconds_until(headers.get("anthropic-ratelimit-requests-reset"))
                self._budget_until = now + reset + PACING_MARGIN
            if limited:
                self.window = max(1.0, self.window / 2)
            elif status is not None and status < 400:
                self.window = min(self._ceiling, self.window + 1 / self.window)
            if pause > 0:
                # A little past the reset: a clock a few ms apart must not land in the old window.
                until = now + (pause if self.wait_long else min(pause, MAX_RETRY_AFTER)) + PACING_MARGIN
                self._resume_at = max(self._resume_at, until)
            self._cond.notify_all()


def _seconds_until(stamp: str | None) -> float:
    """Seconds from now to an RFC 3339 time (the ratelimit -reset headers); 0 when unreadable."""
    if not stamp:
        return 0.0
    from datetime import datetime

    try:
        when = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
        return max(0.0, when.timestamp() - time.time())
    except (ValueError, TypeError, OverflowError):
        return 0.0


def api_error_from_body(status: int | None, data: bytes, headers: dict[str, str]) -> ApiError:
    """An ApiError from an error response body (`{"type":"error","error":{...}}`) or whatever came."""
    error_type = STATUS_ERROR_TYPE.get(
        status or 0, "api_error" if (status or 0) >= 500 else "invalid_request_error"
    )
    message = ""
    request_id = headers.get("request-id")
    try:
        obj = orjson.loads(data) if data else None
    except orjson.JSONDecodeError:
        obj = None
    if isinstance(obj, dict) and isinstance(obj.get("error"), dict):
        error_type = str(obj["error"].get("type") or error_type)
        message = str(obj["error"].get("message") or "")
        request_id = request_id or obj.get("request_id")
    elif data:
        message = _snippet(data)
    return ApiError(
        error_type, message or f"HTTP {status}", status=status, request_id=request_id, headers=headers
    )


def not_found_hint(base_url: str, message: str) -> str:
    """What to do about a 404: a base URL ending in /v1 (requests add it), or an unknown model."""
    if urlsplit(base_url).path.rstrip("/").endswith("/v1"):
        return "; the base URL must not end in /v1 (claude adds /v1/... itself): drop it"
    if message.startswith("model:"):  # the API's message for an unknown model id
        return "; run `claude models` for the models this key can use (`claude models --aliases` for aliases)"
    return ""


def retry_after_seconds(headers: dict[str, str]) -> float | None:
    """The server's requested wait (retry-after-ms, retry-after seconds or HTTP date), or None.

    None when absent or unreadable ("soon", nan, a negative number): the caller uses its own
    backoff. A wait over MAX_RETRY_AFTER is returned as is; the caller reports it or waits.
    RFC 9110 section 10.2.3: Retry-After = HTTP-date / delay-seconds.
    """
    value: float | None = None
    if "retry-after-ms" in headers:
        try:
            value = float(headers["retry-after-ms"]) / 1000
        except ValueError:
            value = None
    if (value is None or not math.isfinite(value)) and "retry-after" in headers:
        raw = headers["retry-after"]
        try:
            value = float(raw)
        except ValueError:
            import email.utils  # rare: an HTTP-date retry-after

            try:
                parsed = email.utils.parsedate_to_datetime(raw) if raw else None
                value = parsed.timestamp() - time.time() if parsed else None
            except (ValueError, TypeError, OverflowError, IndexError):
                value = None
    if value is None or not math.isfinite(value) or value < 0:
        return None
    return value


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

    if urllib.request.proxy_bypass_environment(host):
        return None
    proxies = urllib.request.getproxies_environment()
    url = proxies.get(scheme) or proxies.get("all")
    if not url:
        return None
    proxy = urlsplit(url if "://" in url else f"http://{url}")
    return proxy if proxy.hostname else None


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


def _is_loopback(host: str) -> bool:
    if host.lower() == "localhost" or host.lower().endswith(".localhost"):
        return True
    import ipaddress

    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def path_of(target: str) -> str:
    """The path of a request target, origin-form or absolute-form."""
    if "://" not in target:
        return target
    parts = urlsplit(target)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _snippet(data: bytes) -> str:
    text = data[:200].decode("utf-8", "replace")
    return " ".join(text.split()) or "(empty body)"


def _describe(exc: BaseException) -> str:
    if isinstance(exc, socket.timeout | TimeoutError):
        return "timed out"
    if isinstance(exc, http.client.IncompleteRead):
        return "incomplete read"
    text = getattr(exc, "strerror", None) or str(exc) or exc.__class__.__name__
    return str(text)
