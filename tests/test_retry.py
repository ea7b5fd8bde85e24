"""Retry timing, checked with a fake clock: what the server asks for, our backoff, the cap.

Table-driven as the anthropic SDK's own `test_parse_retry_after_header` (tests/test_client.py:
retry-after in seconds, retry-after-ms, an HTTP date, absent, unreadable, over the cap). The
requests are real (our transport against the emulator); only the clock is fake, so every wait
is read, not slept.
"""

from __future__ import annotations

import email.utils
from dataclasses import dataclass, field

import pytest

from claude_cli.api.retry import Clock, Pacer, backoff, retry_after_seconds
from claude_cli.api.transport import Transport
from claude_cli.config import Credentials
from claude_cli.emulator.script import Reply
from claude_cli.errors import ApiError

from .conftest import KEY

NOW = 1_800_000_000.0  # the fake wall clock (2027-01-15)
HTTP_DATE_IN_20_S = email.utils.formatdate(NOW + 20, usegmt=True)
HTTP_DATE_PAST = email.utils.formatdate(NOW - 20, usegmt=True)


@dataclass
class FakeClock:
    """Monotonic time that moves only when slept, a wall clock stopped at NOW, a jitter draw of 0.5."""

    now: float = 100.0
    slept: list[float] = field(default_factory=list)

    def clock(self) -> Clock:
        def sleep(seconds: float) -> None:
            self.slept.append(round(seconds, 6))
            self.now += seconds

        return Clock(monotonic=lambda: self.now, wall=lambda: NOW, sleep=sleep, random=lambda: 0.5)


JITTER = 1 - 0.25 * 0.5


@pytest.mark.parametrize(
    ("headers", "seconds"),
    [
        ({"retry-after": "20"}, 20.0),
        ({"retry-after": "0"}, 0.0),
        ({"retry-after": "1.5"}, 1.5),  # not the spec's integer, but meant (the SDK takes it too)
        ({"retry-after-ms": "1500"}, 1.5),
        ({"retry-after-ms": "250", "retry-after": "20"}, 0.25),  # the finer one wins
        ({"retry-after-ms": "soon", "retry-after": "3"}, 3.0),
        ({"retry-after": HTTP_DATE_IN_20_S}, 20.0),
        ({}, None),
        ({"retry-after": ""}, None),
        ({"retry-after": "soon"}, None),
        ({"retry-after": "nan"}, None),
        ({"retry-after": "inf"}, None),
        ({"retry-after": "-10"}, None),
        ({"retry-after": HTTP_DATE_PAST}, None),
        ({"retry-after": "Zun, 99 Foo 2026 99:99:99 GMT"}, None),
        ({"retry-after": "99999"}, 99999.0),  # returned as is: the caller reports it
    ],
)
def test_retry_after_is_read_as_the_sdk_reads_it(headers: dict[str, str], seconds: float | None) -> None:
    clock = Clock(wall=lambda: NOW)
    assert retry_after_seconds(headers, clock) == seconds


@pytest.mark.parametrize(
    ("attempt", "seconds"),
    [(0, 0.5), (1, 1.0), (2, 2.0), (3, 4.0), (4, 8.0), (5, 8.0), (1100, 8.0)],
)
def test_backoff_doubles_from_half_a_second_up_to_8_with_jitter(attempt: int, seconds: float) -> None:
    assert backoff(attempt, Clock(random=lambda: 0.0)) == seconds  # no jitter drawn
    assert backoff(attempt, Clock(random=lambda: 1.0)) == seconds * 0.75  # the most taken off


@pytest.mark.parametrize(
    ("headers", "waits"),
    [
        ({"retry-after": "20"}, [20.0]),
        ({"retry-after-ms": "1500"}, [1.5]),
        ({"retry-after": HTTP_DATE_IN_20_S}, [20.0]),
        ({}, [0.5 * JITTER, 1.0 * JITTER, 2.0 * JITTER]),
        ({"retry-after": "soon"}, [0.5 * JITTER, 1.0 * JITTER, 2.0 * JITTER]),
        ({"retry-after": "60"}, [60.0, 60.0, 60.0]),  # the cap itself is waited for
    ],
)
def test_each_retry_waits_what_the_table_says(emu, headers: dict[str, str], waits: list[float]) -> None:
    fake = FakeClock()
    emu.enqueue(*[Reply.error(429, "rate_limit_error", "slow down", headers)] * len(waits))
    transport = Transport(emu.url, Credentials(api_key=KEY), max_retries=3, clock=fake.clock())
    try:
        response = transport.request("POST", "/v1/messages", b'{"model":"claude-sonnet-4-5","max_tokens":5,'
                                     b'"messages":[{"role":"user","content":"hi"}]}')  # fmt: skip
        assert response.status == 200
        response.read()
    finally:
        transport.close()
    assert fake.slept == [round(w, 6) for w in waits]
    assert len(emu.message_requests) == len(waits) + 1


def test_a_wait_over_the_cap_is_reported_not_slept(emu) -> None:
    fake = FakeClock()
    emu.enqueue(Reply.error(429, "rate_limit_error", "slow down", {"retry-after": "61"}))
    transport = Transport(emu.url, Credentials(api_key=KEY), max_retries=3, clock=fake.clock())
    with pytest.raises(ApiError) as failed:
        transport.request("POST", "/v1/messages", b"{}")
    transport.close()
    assert fake.slept == []
    assert "the server asked to wait 61 s before retrying (--wait-retry waits)" in failed.value.message


def test_a_wait_over_the_cap_is_slept_with_wait_retry(emu) -> None:
    fake = FakeClock()
    emu.enqueue(Reply.error(429, "rate_limit_error", "slow down", {"retry-after": "99999"}))
    transport = Transport(emu.url, Credentials(api_key=KEY), wait_retry=True, clock=fake.clock())
    body = b'{"model":"claude-sonnet-4-5","max_tokens":5,"messages":[{"role":"user","content":"hi"}]}'
    transport.request("POST", "/v1/messages", body).read()
    transport.close()
    assert fake.slept == [99999.0]


@pytest.mark.parametrize(
    ("headers", "wait_long", "paused"),
    [
        ({"retry-after": "20"}, False, 20.05),
        ({}, False, 0.55),  # no retry-after: the first backoff step
        ({"retry-after": "99999"}, False, 0.0),  # reported by the request that got it: nobody waits
        ({"retry-after": "99999"}, True, 99999.05),  # --wait-retry: everyone waits it out
    ],
)
def test_the_batch_pacer_pauses_every_worker_only_for_a_wait_someone_takes(
    headers: dict[str, str], wait_long: bool, paused: float
) -> None:
    fake = FakeClock()
    pacer = Pacer(4, fake.clock())
    pacer.wait_long = wait_long
    pacer.wait()
    pacer.observe(429, headers)
    assert pacer.paused_for() == pytest.approx(paused)
    assert pacer.window == 2.0  # halved all the same
