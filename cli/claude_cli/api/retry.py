"""When to retry and how long to wait: the server's retry-after, our backoff, and the batch pacer.

The rules follow the anthropic SDK (`_base_client.py`: `_parse_retry_after_header`,
`_calculate_retry_timeout`; the API's errors page, platform.claude.com/docs/en/api/errors):
retry 408, 409, 429 and 5xx unless the server says `x-should-retry: false`; wait what
`retry-after-ms` or `retry-after` asks, else 0.5 s doubled per retry up to 8 s, with up to 25 %
jitter taken off. Unlike the SDK, a wait over MAX_RETRY_AFTER is not waited for unless asked
(--wait-retry): it is reported (exit 14/15/16).

Time is read through `Clock`, so the tests check every wait with a fake clock.
"""

from __future__ import annotations

import math
import time

from ..record import Frozen

TYPE_CHECKING = False  # typing for the type checker only (typecheck.py)
if TYPE_CHECKING:
    from collections.abc import Callable

INITIAL_RETRY_DELAY = 0.5  # seconds, doubled each retry (as the SDK)
MAX_RETRY_DELAY = 8.0
MAX_RETRY_AFTER = 60.0  # a longer retry-after is reported (exit 14/15/16) unless --wait-retry
RETRY_STATUSES = frozenset({408, 409, 429})  # and every 5xx
PACING_MARGIN = 0.05  # seconds added to a rate-limit pause


def _jitter() -> float:
    import random  # only when a retry waits (random brings bisect and hashlib's sha512)

    return random.random()


class Clock(Frozen):
    """The time sources a retry reads: monotonic time, wall time (HTTP dates), sleep, jitter."""

    monotonic: Callable[[], float] = time.monotonic
    wall: Callable[[], float] = time.time
    sleep: Callable[[float], None] = time.sleep
    random: Callable[[], float] = _jitter


SYSTEM_CLOCK = Clock()


def too_long(seconds: float | None) -> bool:
    """Whether a retry-after is longer than claude waits unasked (it is reported instead)."""
    return seconds is not None and seconds > MAX_RETRY_AFTER


def should_retry(status: int, headers: dict[str, str]) -> bool:
    """Whether an error status is worth another try: the server's x-should-retry, else the status."""
    hint = headers.get("x-should-retry")
    if hint == "true":
        return True
    if hint == "false":
        return False
    return status in RETRY_STATUSES or status >= 500


def backoff(attempt: int, clock: Clock = SYSTEM_CLOCK) -> float:
    """Exponential backoff with jitter for retry number `attempt` (0-based), as the SDK."""
    delay = min(INITIAL_RETRY_DELAY * 2.0 ** min(attempt, 1000), MAX_RETRY_DELAY)
    return delay * (1 - 0.25 * clock.random())


def retry_after_seconds(headers: dict[str, str], clock: Clock = SYSTEM_CLOCK) -> float | None:
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
                value = parsed.timestamp() - clock.wall() if parsed else None
            except (ValueError, TypeError, OverflowError, IndexError):
                value = None
    if value is None or not math.isfinite(value) or value < 0:
        return None
    return value


def seconds_until(stamp: str | None, clock: Clock = SYSTEM_CLOCK) -> float:
    """Seconds from now to an RFC 3339 time (the ratelimit -reset headers); 0 when unreadable."""
    if not stamp:
        return 0.0
    from datetime import datetime

    try:
        when = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
        return max(0.0, when.timestamp() - clock.wall())
    except (ValueError, TypeError, OverflowError):
        return 0.0


class Pacer:
    """Pacing shared by concurrent transports: when the API says slow down, all of them do.

    Three mechanisms, all driven by what the API answers:
    - a budget: `anthropic-ratelimit-requests-remaining` and its `-reset` time say how many
      more requests this window takes; once they are spent (counting those in flight), new
      requests wait for the reset;
    - a pause: a 429/529 (its retry-after), or any `anthropic-ratelimit-*-remaining` of 0
      (until its `-reset`), stops every new request until then. A retry-after over
      MAX_RETRY_AFTER pauses nobody unless --wait-retry: that request is reported, not retried,
      so nothing waits for it;
    - a window of requests in flight, AIMD like TCP: halved on a 429/529, grown by about one
      per window of successes, never above the concurrency asked for, so workers do not all
      fire at once when a pause ends.
    """

    LIMITS = ("requests", "tokens", "input-tokens", "output-tokens")

    def __init__(self, concurrency: int = 1, clock: Clock = SYSTEM_CLOCK) -> None:
        import threading

        self._clock = clock
        self._cond = threading.Condition()
        self._resume_at = 0.0  # clock.monotonic() before which nobody sends
        self._ceiling = float(max(1, concurrency))
        self.window = self._ceiling
        self._in_flight = 0
        self._budget: int | None = None  # requests left in the current rate-limit window
        self._budget_until = 0.0  # when that window resets (clock.monotonic())
        self.wait_long = False  # --wait-retry: pause everyone for a retry-after over MAX_RETRY_AFTER

    def paused_for(self) -> float:
        """Seconds from now until a new request may start (0 when none is paused)."""
        with self._cond:
            return max(0.0, self._resume_at - self._clock.monotonic())

    def wait(self) -> None:
        """Block until a request may be sent: no pause on, budget left, room in the window."""
        with self._cond:
            while True:
                now = self._clock.monotonic()
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
        now = self._clock.monotonic()
        limited = status in (429, 529)
        try:
            pause = 0.0
            if limited:
                asked = retry_after_seconds(headers, self._clock)
                reported = too_long(asked) and not self.wait_long
                pause = 0.0 if reported else (asked or INITIAL_RETRY_DELAY)  # reported: nobody waits
            for kind in self.LIMITS:
                if headers.get(f"anthropic-ratelimit-{kind}-remaining") == "0":
                    reset = seconds_until(headers.get(f"anthropic-ratelimit-{kind}-reset"), self._clock)
                    pause = max(pause, reset)
        except Exception:
            pause = INITIAL_RETRY_DELAY if limited else 0.0
        with self._cond:
            self._in_flight = max(0, self._in_flight - 1)
            remaining = headers.get("anthropic-ratelimit-requests-remaining")
            if remaining is not None and remaining.isdigit():
                # What the server had left when it answered, less what we sent since.
                self._budget = int(remaining) - self._in_flight
                reset = seconds_until(headers.get("anthropic-ratelimit-requests-reset"), self._clock)
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
