"""The emulator's own machinery: one Exchange per request on a kept-alive connection, and the
rules table's conditions (endpoint, model capability, API version), table-driven."""

from __future__ import annotations

import gzip
import http.client

import orjson
import pytest

from claude_cli.emulator.content import FILES_BETA
from claude_cli.emulator.models import Catalogue
from claude_cli.emulator.rules import BATCH, COUNT_TOKENS, LIVE, MESSAGES, ApiProblem, Call, Rule, check
from claude_cli.emulator.script import Reply
from claude_cli.emulator.server import Emulator
from claude_cli.message.capabilities import SAMPLING

from .conftest import KEY

HEADERS = {"x-api-key": KEY, "anthropic-version": "2023-06-01", "content-type": "application/json"}
BODY = {"model": "claude-sonnet-5-5", "max_tokens": 10, "messages": [{"role": "user", "content": "hi"}]}


def test_a_kept_alive_connection_carries_nothing_from_one_request_to_the_next() -> None:
    """A DELETE after a scripted gzip POST on the same connection came back gzip-encoded, with
    the POST's rate-limit headers: the handler kept the POST's response settings."""
    with Emulator(api_key=KEY, rate_limit=(100, 60)) as emu:
        emu.enqueue(Reply.text("packed", encoding="gzip"))
        host, port = emu.httpd.server_address[:2]
        conn = http.client.HTTPConnection(str(host), int(port), timeout=30)
        try:
            conn.request("POST", "/v1/messages", body=orjson.dumps(BODY), headers=HEADERS)
            first = conn.getresponse()
            packed = first.read()
            assert first.getheader("content-encoding") == "gzip"
            assert first.getheader("anthropic-ratelimit-requests-limit") == "100"
            assert orjson.loads(gzip.decompress(packed))["content"][0]["text"] == "packed"
            sock = conn.sock

            for method, path in (("DELETE", "/v1/files/file_nope"), ("GET", "/v1/files/file_nope")):
                conn.request(method, path, headers={**HEADERS, "anthropic-beta": FILES_BETA})
                answer = conn.getresponse()
                raw = answer.read()
                assert conn.sock is sock  # the same connection, kept alive
                assert answer.getheader("content-encoding") is None, method
                assert answer.getheader("anthropic-ratelimit-requests-limit") is None, method
                error = orjson.loads(raw)
                assert (answer.status, error["error"]) == (
                    404,
                    {"type": "not_found_error", "message": "file not found: file_nope"},
                )
                assert error["request_id"] == answer.getheader("request-id")
        finally:
            conn.close()


def _sampling(call: Call) -> str | None:
    return "sampling refused" if "temperature" in call.body else None


# Rows as another engineer would add them: by capability, by API version, by endpoint.
CASES = [
    # rule, endpoint, model, anthropic-version, refused
    (Rule(_sampling, lacking=SAMPLING), MESSAGES, "claude-opus-5-5", "2023-06-01", True),
    (Rule(_sampling, lacking=SAMPLING), MESSAGES, "claude-sonnet-4-6", "2023-06-01", False),
    (Rule(_sampling, since="2026-10-21"), MESSAGES, "claude-sonnet-4-6", "2026-10-21", True),
    (Rule(_sampling, since="2026-10-21"), MESSAGES, "claude-sonnet-4-6", "2027-01-01", True),
    (Rule(_sampling, since="2026-10-21"), MESSAGES, "claude-sonnet-4-6", "2023-06-01", False),
    (Rule(_sampling, since="2026-10-21"), BATCH, "claude-sonnet-4-6", "", False),
    (Rule(_sampling, until="2026-10-21"), MESSAGES, "claude-sonnet-4-6", "2023-06-01", True),
    (Rule(_sampling, until="2026-10-21"), MESSAGES, "claude-sonnet-4-6", "2026-10-21", False),
    (Rule(_sampling, on=LIVE), MESSAGES, "claude-sonnet-4-6", "2023-06-01", True),
    (Rule(_sampling, on=LIVE), COUNT_TOKENS, "claude-sonnet-4-6", "2023-06-01", False),
    (
        Rule(_sampling, on=LIVE, lacking=SAMPLING, since="2026-10-21"),
        MESSAGES,
        "claude-opus-5-5",
        "2026-10-21",
        True,
    ),
    (
        Rule(_sampling, on=LIVE, lacking=SAMPLING, since="2026-10-21"),
        MESSAGES,
        "claude-opus-5-5",
        "2026-01-01",
        False,
    ),
]


@pytest.mark.parametrize(("rule", "endpoint", "model", "version", "refused"), CASES)
def test_a_rule_row_applies_where_its_conditions_say(
    rule: Rule, endpoint: str, model: str, version: str, refused: bool
) -> None:
    headers = {"anthropic-version": version} if version else {}
    call = Call(endpoint, headers, {**BODY, "model": model, "temperature": 0.5}, catalogue=Catalogue())
    if not refused:
        check((rule,), call)
        return
    with pytest.raises(ApiProblem) as caught:
        check((rule,), call)
    assert (caught.value.status, caught.value.error_type, caught.value.message) == (
        400,
        "invalid_request_error",
        "sampling refused",
    )


def test_the_first_refusing_row_wins_with_its_own_status() -> None:
    rows = (
        Rule(lambda call: None),
        Rule(lambda call: "gone", 404, "not_found_error"),
        Rule(lambda call: "never reached"),
    )
    with pytest.raises(ApiProblem) as caught:
        check(rows, Call(MESSAGES, {}, BODY))
    assert (caught.value.status, caught.value.error_type, caught.value.message) == (
        404,
        "not_found_error",
        "gone",
    )


def _post_script(emu: Emulator, payload: bytes) -> tuple[int, dict]:
    host, port = emu.httpd.server_address[:2]
    conn = http.client.HTTPConnection(str(host), int(port), timeout=30)
    try:
        conn.request("POST", "/_emulator/script", body=payload, headers={"content-type": "application/json"})
        answer = conn.getresponse()
        return answer.status, orjson.loads(answer.read())
    finally:
        conn.close()


KINDS_LISTED = "the kinds are message, error, raw, sse, error_event, drop, stall, trickle, many"
BAD_SCRIPTS = [
    # the script, what the 400 says
    ([{"kind": "error", "stauts": 529}], "script.0: unknown field 'stauts'; the fields are after, body, "),
    ([{"kind": "bogus"}], f"script.0.kind: unknown kind 'bogus'; {KINDS_LISTED}"),
    ([{"kind": "message"}, {"status": 500}], f"script.1.kind: Field required; {KINDS_LISTED}"),
    ([{"kind": "error", "status": "529"}], "script.0.status: should be a whole number"),
    ([{"kind": "error", "status": True}], "script.0.status: should be a whole number"),
    ([{"kind": "stall", "delay": "30"}], "script.0.delay: should be a number"),
    ([{"kind": "message", "content": "hi"}], "script.0.content: should be a list or null"),
    ([{"kind": "error", "status": 42}], "script.0.status: should be an HTTP status, 100 to 599"),
    ([{"kind": "message", "encoding": "br"}], "script.0.encoding: should be 'gzip' or absent"),
    ([{"kind": "stall", "delay": -1}], "script.0.delay: should be 0 or more"),
    ([{"kind": "message", "content": ["hi"]}], "script.0.content: each block should be an object"),
    ([{"kind": "error", "headers": {"retry-after": 1}}], "script.0.headers: each value should be a string"),
    ([{"kind": "raw", "body": "\u20ac"}], "script.0.body: bytes as latin-1 text"),
    (["error"], "script.0: each reply must be a JSON object"),
    ({"kind": "error"}, "script: should be a JSON list of replies"),
]


@pytest.mark.parametrize(("script", "said"), BAD_SCRIPTS)
def test_a_bad_script_is_refused_whole_saying_what_is_wrong(script: object, said: str) -> None:
    """An unknown field was a traceback and a dropped connection; an unknown kind was 200 {}."""
    with Emulator(api_key=KEY) as emu:
        status, answer = _post_script(emu, orjson.dumps(script))
        assert status == 400
        assert answer["type"] == "error" and answer["error"]["type"] == "invalid_request_error"
        assert answer["error"]["message"].startswith(said), answer["error"]["message"]
        assert emu.script.next() is None  # nothing of it was queued


def test_a_good_script_is_queued_and_answers() -> None:
    with Emulator(api_key=KEY) as emu:
        script = [{"kind": "error", "status": 529, "error_type": "overloaded_error", "headers": {"x": "1"}}]
        assert _post_script(emu, orjson.dumps(script)) == (200, {})
        assert emu.script.next() == Reply(
            "error", status=529, error_type="overloaded_error", headers={"x": "1"}
        )
        assert emu.script.next() is None


def test_a_route_is_one_row_with_its_own_request_rules(monkeypatch: pytest.MonkeyPatch) -> None:
    """How a platform's wire is added: a row whose handler reuses the Messages path, with the
    request rules (credentials) of that platform instead of x-api-key and anthropic-version."""
    from claude_cli.emulator import routes

    def signed(call: Call) -> str | None:
        return None if call.headers.get("authorization", "").startswith("Signed ") else "not signed"

    def invoke(emu: Emulator, ex: object, body: dict, model: str) -> None:
        routes._messages(emu, ex, {**body, "model": model})  # type: ignore[arg-type]

    row = routes.route(
        "POST", "/a-wire/(?P<model>[^/]+)/invoke", invoke, rules=(Rule(signed, 403, "forbidden"),)
    )
    monkeypatch.setattr(routes, "ROUTES", (*routes.ROUTES, row))
    body = orjson.dumps({"max_tokens": 10, "messages": [{"role": "user", "content": "hi"}]})
    with Emulator(api_key=KEY) as emu:
        host, port = emu.httpd.server_address[:2]
        conn = http.client.HTTPConnection(str(host), int(port), timeout=30)
        try:
            for auth, status in (("", 403), ("Signed abc", 200)):
                conn.request(
                    "POST", "/a-wire/claude-sonnet-5-5/invoke", body=body, headers={"authorization": auth}
                )
                answer = conn.getresponse()
                got = orjson.loads(answer.read())
                assert answer.status == status, got
            assert got["content"][0]["text"] == "You said: hi"
        finally:
            conn.close()


UNROUTED = [
    # method, path: every request no route takes is one 404 naming it (after the API's checks)
    ("GET", "/v1/nothing"),
    ("POST", "/v1/messages/batches/msgbatch_x"),
    ("GET", "/v1/messages/batches/msgbatch_x/other"),
    ("DELETE", "/v1/models/claude-sonnet-5-5"),
]


@pytest.mark.parametrize(("method", "path"), UNROUTED)
def test_a_request_no_route_takes_is_a_404_naming_it(method: str, path: str) -> None:
    with Emulator(api_key=KEY) as emu:
        host, port = emu.httpd.server_address[:2]
        conn = http.client.HTTPConnection(str(host), int(port), timeout=30)
        try:
            conn.request(method, path, body=b"{}" if method == "POST" else None, headers=HEADERS)
            answer = conn.getresponse()
            error = orjson.loads(answer.read())
        finally:
            conn.close()
        assert (answer.status, error["error"]) == (
            404,
            {"type": "not_found_error", "message": f"no route {method} {path}"},
        )
        assert [(r.method, r.path) for r in emu.requests] == [(method, path)]


def test_a_body_sent_with_a_get_is_read_so_the_next_request_is_whole() -> None:
    with Emulator(api_key=KEY) as emu:
        host, port = emu.httpd.server_address[:2]
        conn = http.client.HTTPConnection(str(host), int(port), timeout=30)
        try:
            conn.request("GET", "/v1/models?limit=1", body=b'{"ignored": true}', headers=HEADERS)
            first = conn.getresponse()
            assert (first.status, len(orjson.loads(first.read())["data"])) == (200, 1)
            conn.request("POST", "/v1/messages", body=orjson.dumps(BODY), headers=HEADERS)
            second = conn.getresponse()
            assert (second.status, orjson.loads(second.read())["content"][0]["text"]) == (200, "You said: hi")
        finally:
            conn.close()


def _get_files(emu: Emulator, query: str, beta: bool) -> tuple[int, dict]:
    host, port = emu.url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(str(host), int(port), timeout=30)
    headers = {"x-api-key": KEY, "anthropic-version": "2023-06-01"}
    if beta:
        headers["anthropic-beta"] = FILES_BETA
    try:
        conn.request("GET", f"/v1/files{query}", headers=headers)
        answer = conn.getresponse()
        return answer.status, orjson.loads(answer.read())
    finally:
        conn.close()


def test_files_are_listed_in_the_ga_shape_and_in_the_beta_s_when_it_is_sent(emu: Emulator) -> None:
    ids = [emu.state.store_file(f"f{i}.txt", "text/plain", b"x", downloadable=False) for i in range(3)]
    status, first = _get_files(emu, "?limit=2", beta=False)
    assert status == 200 and set(first) == {"data", "next_page"}
    assert [f["id"] for f in first["data"]] == [ids[2], ids[1]] and first["next_page"]
    status, rest = _get_files(emu, f"?limit=2&page={first['next_page']}", beta=False)
    assert [f["id"] for f in rest["data"]] == [ids[0]] and rest["next_page"] is None
    status, refused = _get_files(emu, f"?after_id={ids[2]}", beta=False)
    assert status == 400 and "after_id" in refused["error"]["message"]
    status, old = _get_files(emu, f"?limit=2&after_id={ids[2]}", beta=True)
    assert status == 200 and old["has_more"] is False and [f["id"] for f in old["data"]] == [ids[1], ids[0]]


@pytest.mark.parametrize(
    ("flags", "field", "flag"),
    [
        (["--temperature", "0.2"], "temperature", "--temperature"),
        (["--top-p", "0.5"], "top_p", "--top-p"),
        (["--top-k", "5"], "top_k", "--top-k"),
        (["--top-k", "5", "--top-p", "0.5"], "top_p", "--top-p"),  # the first in the API's order
    ],
)
def test_the_sampling_400_names_the_parameter_sent(cli, emu, flags: list[str], field: str, flag: str) -> None:
    """A model without sampling parameters: the emulator's 400 names the one sent, as the API's
    does (it named `temperature` for every one), and the client's hint names its flag."""
    run = cli("ask", "--force", "--api-version", "2023-06-01", "-m", "sonnet", *flags, "hi")
    assert run.code == 10 and run.stderr.count("\n") == 1, run
    assert run.stderr.startswith(
        f"claude: error: {flag} is not accepted by claude-sonnet-5-5; drop it or use --effort"
        f" (the API said: invalid_request_error (400): `{field}` is deprecated for this model."
    ), run


@pytest.mark.parametrize(
    ("said", "max_tokens", "stop_reason"),
    [
        ("one two three", 2, "max_tokens"),
        ("def f(x):  # TODO: handle x\n    return x", 5, "max_tokens"),  # double spaces, newlines
        ("a  b   c d e f g", 5, "max_tokens"),
        ("a  b", 100, "end_turn"),
        ("word " * 20_000, 8192, "end_turn"),  # a 100 KB file: the echo quotes a part of it
        ("word " * 20_000, 300, "max_tokens"),
    ],
)
def test_usage_and_stop_reason_agree(said: str, max_tokens: int, stop_reason: str) -> None:
    """The echo was cut counting words split on single spaces and its usage counted runs of
    whitespace: a 100 KB Python file reported 4469 output tokens and stop_reason max_tokens
    under max_tokens 8192 (exit 3)."""
    from claude_cli.emulator.answers import build_message, default_reply, output_tokens
    from claude_cli.emulator.state import State

    body = {
        "model": "claude-sonnet-5-5",
        "max_tokens": max_tokens,
        "messages": [{"role": "user", "content": said}],
    }
    message = build_message(State(), body, default_reply(body))
    used = message["usage"]["output_tokens"]
    assert used == output_tokens(message["content"][0]["text"]) <= max_tokens
    assert message["stop_reason"] == stop_reason
    if stop_reason == "max_tokens":
        assert used == max_tokens
