"""The official SDK 2.x, unchanged, against the emulator: the emulator answers it as the API does.

The SDK is the oracle: it sends what the API of today expects (anthropic-version 2026-10-21, the
key as `Authorization: Bearer`, the Files API without its beta header) and parses the answers
into its own types, which fail on a shape the API would not send.
"""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest

anthropic = pytest.importorskip("anthropic")

from claude_cli.emulator.server import Emulator  # noqa: E402

from .conftest import KEY  # noqa: E402


@pytest.fixture
def client(emu: Emulator) -> Iterator[object]:
    with anthropic.Anthropic(api_key=KEY, base_url=emu.url, max_retries=0) as c:
        yield c


def test_the_sdk_sends_the_new_version_and_a_bearer_key(client, emu) -> None:
    message = client.messages.create(
        model="claude-sonnet-5-5", max_tokens=50, messages=[{"role": "user", "content": "hi"}]
    )
    assert message.content[0].text == "You said: hi"
    rec = emu.message_requests[-1]
    assert rec.headers["anthropic-version"] == "2026-10-21"
    assert rec.headers["authorization"] == f"Bearer {KEY}"
    assert "x-api-key" not in rec.headers


def test_a_wrong_bearer_key_is_refused(emu) -> None:
    with (
        anthropic.Anthropic(api_key="sk-wrong", base_url=emu.url, max_retries=0) as c,
        pytest.raises(anthropic.AuthenticationError),
    ):
        c.messages.create(
            model="claude-sonnet-5-5", max_tokens=5, messages=[{"role": "user", "content": "x"}]
        )


def test_streaming_accumulates_to_the_same_message(client) -> None:
    with client.messages.stream(
        model="claude-opus-5-5", max_tokens=50, messages=[{"role": "user", "content": "stream me"}]
    ) as stream:
        text = "".join(stream.text_stream)
        final = stream.get_final_message()
    assert text == "You said: stream me" == final.content[0].text
    assert final.stop_reason == "end_turn" and final.usage.output_tokens > 0


def test_count_tokens(client) -> None:
    counted = client.messages.count_tokens(
        model="claude-haiku-5-5", messages=[{"role": "user", "content": "count these words"}]
    )
    assert counted.input_tokens > 0


def test_speed_and_diagnostics_are_accepted_and_echoed(client) -> None:
    first = client.messages.create(
        model="claude-opus-5-5",
        max_tokens=50,
        speed="fast",
        diagnostics={"previous_message_id": None},
        messages=[{"role": "user", "content": "hi"}],
    )
    assert first.usage.speed == "fast"
    second = client.messages.create(
        model="claude-opus-5-5",
        max_tokens=50,
        speed="fast",
        system="now with a system prompt",
        diagnostics={"previous_message_id": first.id},
        messages=[{"role": "user", "content": "hi"}],
    )
    assert second.diagnostics is not None and second.diagnostics.cache_miss_reason is not None
    assert second.diagnostics.cache_miss_reason.type == "system_changed"
    third = client.messages.create(  # the speed is part of what the cache keys on
        model="claude-opus-5-5",
        max_tokens=50,
        system="now with a system prompt",
        diagnostics={"previous_message_id": second.id},
        messages=[{"role": "user", "content": "hi"}],
    )
    assert third.usage.speed is None  # echoed when asked for (the emulator does not claim more)
    assert third.diagnostics.cache_miss_reason.type == "model_changed"
    same = client.messages.create(
        model="claude-opus-5-5",
        max_tokens=50,
        system="now with a system prompt",
        diagnostics={"previous_message_id": third.id},
        messages=[
            {"role": "user", "content": "hi"},
            {"role": "assistant", "content": "ok"},
            {"role": "user", "content": "more"},
        ],
    )
    assert same.diagnostics is None  # only appended: nothing diverged
    lost = client.messages.create(
        model="claude-opus-5-5",
        max_tokens=50,
        diagnostics={"previous_message_id": "msg_unknown"},
        messages=[{"role": "user", "content": "hi"}],
    )
    assert lost.diagnostics.cache_miss_reason.type == "previous_message_not_found"


def test_what_2026_10_21_refuses_is_a_400(client) -> None:
    with pytest.raises(anthropic.BadRequestError, match="temperature"):
        client.messages.create(
            model="claude-sonnet-4-6",
            max_tokens=5,
            messages=[{"role": "user", "content": "hi"}],
            extra_body={"temperature": 1.0},
        )
    doc = {"type": "document", "source": {"type": "text", "media_type": "text/plain", "data": "d"}}
    with pytest.raises(anthropic.BadRequestError, match="document"):
        client.messages.create(
            model="claude-sonnet-4-6",
            max_tokens=5,
            messages=[
                {"role": "user", "content": "hi"},
                {"role": "assistant", "content": [doc]},
                {"role": "user", "content": "more"},
            ],
        )


def test_the_older_version_still_takes_temperature(emu) -> None:
    with anthropic.Anthropic(
        api_key=KEY,
        base_url=emu.url,
        max_retries=0,
        default_headers={"anthropic-version": "2023-06-01"},
    ) as c:
        message = c.messages.create(
            model="claude-sonnet-4-6",
            max_tokens=5,
            messages=[{"role": "user", "content": "hi"}],
            extra_body={"temperature": 0.5},
        )
    assert message.stop_reason in ("end_turn", "max_tokens")


def test_an_empty_message_mid_history_is_refused(client) -> None:
    with pytest.raises(anthropic.BadRequestError, match="non-empty"):
        client.messages.create(
            model="claude-sonnet-5-5",
            max_tokens=5,
            messages=[
                {"role": "user", "content": "hi"},
                {"role": "assistant", "content": []},
                {"role": "user", "content": "more"},
            ],
        )


def test_files_without_the_beta_header(client, emu) -> None:
    uploaded = client.files.upload(file=("notes.txt", io.BytesIO(b"some notes"), "text/plain"))
    assert uploaded.filename == "notes.txt" and uploaded.size_bytes == 10
    assert uploaded.id in [f.id for f in client.files.list()]
    assert client.files.retrieve_metadata(uploaded.id).mime_type == "text/plain"
    client.files.delete(uploaded.id)
    uploads = [r for r in emu.requests if r.path.startswith("/v1/files")]
    assert uploads and all("anthropic-beta" not in r.headers for r in uploads)


def test_batches(client) -> None:
    batch = client.messages.batches.create(
        requests=[
            {
                "custom_id": "a",
                "params": {
                    "model": "claude-sonnet-5-5",
                    "max_tokens": 20,
                    "messages": [{"role": "user", "content": "x"}],
                },
            },
            {
                "custom_id": "b",
                "params": {
                    "model": "claude-sonnet-4-6",
                    "max_tokens": 20,
                    "temperature": 0.5,  # refused under the version the batch was created with
                    "messages": [{"role": "user", "content": "y"}],
                },
            },
        ]
    )
    import time

    deadline = time.monotonic() + 10
    while client.messages.batches.retrieve(batch.id).processing_status != "ended":
        assert time.monotonic() < deadline
        time.sleep(0.1)
    results = {r.custom_id: r.result for r in client.messages.batches.results(batch.id)}
    assert results["a"].type == "succeeded" and results["a"].message.content[0].text == "You said: x"
    assert results["b"].type == "errored" and "temperature" in results["b"].error.error.message
    assert batch.id in [b.id for b in client.messages.batches.list()]


def test_models_with_lifecycle(client) -> None:
    listed = list(client.models.list())
    ids = [m.id for m in listed]
    assert "claude-opus-4-5" in ids and "claude-sonnet-4-0" not in ids
    assert next(m for m in listed if m.id == "claude-opus-4-5").lifecycle == "deprecated"
    retired = [m.id for m in client.models.list(lifecycle=["retired"])]
    assert "claude-sonnet-4-0" in retired and "claude-opus-5-5" not in retired
    one = client.models.retrieve("claude-haiku-5-5")
    assert (one.max_input_tokens, one.max_tokens, one.lifecycle) == (1_000_000, 128_000, "active")
    assert one.capabilities is not None
