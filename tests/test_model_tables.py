"""The model tables agree with each other: catalogue, capability rules, aliases, prices, lifecycle.

Each table cites its sources (capabilities.py, pricing.py, emulator/models.py); this file holds
them true to each other, so a model added to one is not forgotten in another.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from claude_cli import pricing
from claude_cli.api.platforms.base import AWS, BEDROCK, FOUNDRY, VERTEX
from claude_cli.emulator.models import BUILTIN, Catalogue, builtin_models
from claude_cli.message import capabilities
from claude_cli.message.capabilities import (
    ALIASES,
    LIFECYCLE,
    RULES,
    Learned,
    lifecycle_of,
    lifecycle_warning,
    parse_model,
    rejected_features,
)
from claude_cli.modelids import claude_id

README = (Path(__file__).resolve().parents[1] / "README.md").read_text()
CATALOGUE = [m["id"] for m in builtin_models()]
FAMILIES = {rule.family for rule in RULES} - {"*"}


@pytest.mark.parametrize("model", CATALOGUE)
def test_every_catalogue_model_has_a_row_in_every_table(model: str) -> None:
    parsed = parse_model(model)
    assert parsed is not None and parsed[0] in FAMILIES, f"{model}: no capability row"
    assert pricing.price_of(model) is not None or pricing.NO_PRICE.get(model), f"{model}: no price, no reason"
    assert not (pricing.price_of(model) and model in pricing.NO_PRICE), f"{model}: priced and 'no price'"
    row = lifecycle_of(model)
    if row is None or row.status != "retired":  # a model one can still call has a short name
        assert model in ALIASES.values(), f"{model}: no alias"


def test_every_alias_resolves_to_a_model_one_can_call() -> None:
    callable_ids = {m["id"] for m in Catalogue().listed({})}
    for alias, model in ALIASES.items():
        assert capabilities.resolve_model(alias) == model
        assert model in callable_ids, (alias, model)


def test_prices_lifecycle_and_fast_mode_name_catalogue_models() -> None:
    keys = {parse_model(m) for m in CATALOGUE}
    assert set(pricing.PRICES) <= keys, set(pricing.PRICES) - keys
    assert set(pricing.FAST) <= set(pricing.PRICES)
    assert set(LIFECYCLE) <= keys
    assert set(pricing.NO_PRICE) <= set(CATALOGUE)
    active = {m["id"] for m in builtin_models() if m["lifecycle"] == "active"}
    for row in LIFECYCLE.values():
        assert row.replacement in active, row  # the replacement is a model one can move to
        # A platform keeps only what the Claude API retired, and is one claude reaches.
        assert not row.kept_on or row.status == "retired", row
        assert row.kept_on <= {BEDROCK, VERTEX, FOUNDRY, AWS}, row


def test_the_catalogue_says_what_the_rules_say() -> None:
    for info in builtin_models():
        rejected = rejected_features(info["id"])
        types = info["capabilities"]["thinking"]["types"]
        assert types["disabled"]["supported"] is (capabilities.THINKING_OFF not in rejected), info["id"]
        assert types["enabled"]["supported"] is (capabilities.MANUAL_THINKING not in rejected), info["id"]
        assert info["lifecycle"] == (
            lifecycle_of(info["id"]).status if lifecycle_of(info["id"]) else "active"
        )
    assert len({row[0] for row in BUILTIN}) == len(BUILTIN)


def test_readme_names_the_models_without_a_price() -> None:
    section = README.split("### Cost in dollars", 1)[1].split("\n### ", 1)[0]
    for model in pricing.NO_PRICE:
        assert model in section, model


@pytest.mark.parametrize(
    ("model", "learned", "today", "expected"),
    [
        (
            "claude-opus-4-5",
            None,
            "2026-12-02",
            "claude-opus-4-5 is deprecated since 2026-11-23 and retires on 2027-01-22;"
            " move to claude-opus-5-5",
        ),
        (
            "claude-opus-4-5-20251101",
            None,
            "2026-12-02",
            "claude-opus-4-5-20251101 is deprecated since 2026-11-23 and retires on 2027-01-22; move to"
            " claude-opus-5-5",
        ),
        ("claude-opus-4-5", None, "2026-11-22", None),  # announced, not yet in effect
        (
            "claude-sonnet-4-0",
            None,
            "2026-12-02",
            "claude-sonnet-4-0 was retired on 2026-06-15: requests to it fail; move to claude-sonnet-4-6",
        ),
        ("claude-opus-5-5", None, "2026-12-02", None),
        ("claude-nova-1", None, "2026-12-02", None),
        # What the Models API said wins over the table (dates, and even the status).
        (
            "claude-opus-5",
            Learned(
                {},
                "2026-12-01",
                {
                    "lifecycle": "deprecated",
                    "deprecated_at": "2026-11-30T00:00:00Z",
                    "retires_at": "2027-05-01T00:00:00Z",
                },
            ),
            "2026-12-02",
            "claude-opus-5 is deprecated since 2026-11-30 and retires on 2027-05-01",
        ),
        ("claude-opus-4-5", Learned({}, "2026-12-01", {"lifecycle": "active"}), "2026-12-02", None),
    ],
)
def test_lifecycle_warning(model: str, learned: Learned | None, today: str, expected: str | None) -> None:
    assert lifecycle_warning(model, learned, today) == expected


def test_deprecated_model_warns_once_and_still_sends(cli, emu) -> None:
    run = cli("ask", "-m", "opus-4.5", "hi")
    assert run.code == 0 and run.stdout == "You said: hi"
    assert run.stderr == (
        "claude: warning: claude-opus-4-5 is deprecated since 2026-11-23 and retires on 2027-01-22;"
        " move to claude-opus-5-5\n"
    )
    assert len(emu.message_requests) == 1
    assert cli("ask", "-m", "opus-5.5", "hi").stderr == ""


def test_a_retired_model_is_one_line_and_nothing_is_sent(cli, emu, monkeypatch) -> None:
    said = (
        "claude-opus-4-1 was retired on 2026-08-05: requests to it fail; move to claude-opus-5;"
        " nothing was sent (--force sends it anyway)"
    )
    run = cli("ask", "-m", "claude-opus-4-1", "hi")
    assert (run.code, run.stdout, run.stderr) == (13, "", f"claude: error: {said}\n")  # 13: as the 404
    assert emu.requests == []
    forced = cli("ask", "--force", "-m", "claude-opus-4-1", "hi")  # sent: the API's 404, one line
    assert forced.code == 13 and forced.stderr.count("\n") == 1, forced
    assert forced.stderr.startswith("claude: error: not_found_error (404)"), forced
    assert len(emu.message_requests) == 1


RETIRED = (
    "claude-opus-4-1 was retired on 2026-08-05: requests to it fail; move to claude-opus-5;"
    " nothing was sent (--force sends it anyway)"
)


@pytest.mark.parametrize(
    ("model", "learned", "platform", "refused"),
    [
        ("claude-opus-4-1", None, "anthropic", True),
        ("claude-sonnet-4-0", None, "anthropic", True),
        ("claude-opus-4-1", None, "bedrock", False),  # a platform's own schedule
        ("claude-opus-4-5", None, "anthropic", False),  # deprecated: warned, sent
        ("claude-opus-4-1", Learned({}, "2026-12-01", {"lifecycle": "active"}), "anthropic", False),
        ("claude-opus-5", Learned({}, "2026-12-01", {"lifecycle": "retired"}), "anthropic", True),
    ],
)
def test_retired_refusal(model: str, learned: Learned | None, platform: str, refused: bool) -> None:
    said = capabilities.retired_refusal(model, learned, "2026-12-02", platform)
    assert (said is not None) is refused
    if said is not None:
        assert said.startswith(f"{model} was retired") and said.endswith("(--force sends it anyway)")


@pytest.mark.parametrize(
    ("args", "stdin", "where"),
    [
        (["chat", "--input-format", "ndjson", "-m", "claude-opus-4-1"], '"hi"\n', ""),
        (["chat", "--input-format", "ndjson", "-t", "old"], '"hi"\n', ""),
        (["batch", "-m", "claude-opus-4-1"], '{"prompt": "hi"}\n', ""),
        (["batch", "submit", "-m", "claude-opus-4-1"], '{"prompt": "hi"}\n', ""),
        (["batch", "--via", "batches", "-t", "old"], '{"prompt": "hi"}\n', ""),
        (  # a line's own model: the line is named
            ["batch"],
            '{"prompt": "hi"}\n{"prompt": "hi", "model": "claude-opus-4-1"}\n',
            "stdin line 2: ",
        ),
        (
            ["batch", "submit"],
            '{"custom_id": "a", "params": {"model": "claude-opus-4-1"}}\n',
            "stdin line 1: ",
        ),
        (["tool-run", "-y", "--tool", "now=date", "-m", "claude-opus-4-1", "hi"], None, ""),
        (["tool-run", "-y", "--tool", "now=date", "-t", "old", "hi"], None, ""),
        (["vision", "-t", "old", "-", "hi"], "png", ""),
        (["cmd", "--print", "-m", "claude-opus-4-1", "list", "files"], None, ""),
        (["count-tokens", "-t", "old", "hi"], None, ""),
    ],
)
def test_a_retired_model_is_refused_wherever_a_model_is_chosen(
    cli, emu, tmp_path, args: list[str], stdin: str | None, where: str
) -> None:
    """One rule (capabilities.retired_refusal) for every command that sends to a model: chat and
    batch (run and submit) warned and sent (the API's 404, or a batch of errored lines)."""
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (8, 8)).save(buf, "PNG")
    saved = cli("ask", "-m", "claude-opus-4-1", "--force", "--save", "old", "a template on a retired model")
    assert saved.code == 0, saved  # (without --force --save refuses it too)
    run = cli(*args, input=buf.getvalue() if stdin == "png" else stdin)
    assert run.code == 13, run
    assert run.stderr == f"claude: error: {where}{RETIRED}\n", run
    assert emu.requests == []
    if args[0] == "chat":  # an NDJSON chat still ends with its result line, saying the same
        assert '"exit_status":13' in run.stdout and RETIRED in run.stdout
    else:
        assert run.stdout == ""


def test_force_sends_a_retired_model_from_batch_and_chat(cli, emu) -> None:
    run = cli("batch", "--force", "-m", "claude-opus-4-1", input='{"prompt": "hi"}\n')
    assert run.code == 13 and "error: not_found_error: model: claude-opus-4-1" in run.stderr, run  # the 404
    assert "warning" not in run.stderr
    run = cli("chat", "--input-format", "ndjson", "--force", "-m", "claude-opus-4-1", input='"hi"\n')
    assert run.code == 13 and run.stderr.startswith("claude: error: not_found_error (404)"), run
    assert [r.body["model"] for r in emu.message_requests] == ["claude-opus-4-1", "claude-opus-4-1"]


def test_a_retired_model_on_a_platform_is_warned_about_and_sent(cli, emu) -> None:
    """A cloud platform keeps its own schedule: there the rule only warns (the emulator's Bedrock
    retired Opus 4 too and answers 404, which is what shows it was sent). Opus 4.1, which Bedrock
    keeps (LIFECYCLE's kept_on), is sent without a warning and answered."""
    platform = ("--platform", "bedrock", "--base-url", "emulator")
    run = cli("batch", *platform, "-m", "claude-opus-4-0", input='{"prompt": "hi"}\n')
    assert "claude: warning: claude-opus-4-0 was retired on 2026-06-15" in run.stderr, run
    assert run.code == 13 and "error: not_found_error: ResourceNotFoundException" in run.stderr, run
    kept = cli("batch", *platform, "-m", "claude-opus-4-1", input='{"prompt": "hi"}\n')
    assert kept.code == 0 and "warning" not in kept.stderr, kept


def test_the_cached_lifecycle_decides_the_warning(cli, emu) -> None:
    info = {**next(m for m in builtin_models() if m["id"] == "claude-opus-5")}
    info.update(
        lifecycle="deprecated", deprecated_at="2026-11-01T00:00:00Z", retires_at="2027-02-01T00:00:00Z"
    )
    emu.catalogue.models = [info if m["id"] == info["id"] else m for m in emu.catalogue.models]
    assert cli("ask", "-m", "opus-5", "hi").stderr == ""  # nothing cached yet, the table says active
    assert cli("models").code == 0
    run = cli("ask", "-m", "opus-5", "hi")
    assert (
        run.stderr
        == "claude: warning: claude-opus-5 is deprecated since 2026-11-01 and retires on 2027-02-01\n"
    )


@pytest.mark.parametrize(
    ("model", "tool", "refused"),
    [
        ("claude-sonnet-5-5", "computer_20251124", True),
        ("claude-sonnet-5", "computer_20251124", False),
        ("claude-opus-5-5", "computer_20251124", False),
    ],
)
def test_tool_versions_a_model_refuses(model: str, tool: str, refused: bool) -> None:
    from claude_cli.errors import UsageError
    from claude_cli.message.request import check_body

    body = {
        "model": model,
        "max_tokens": 10,
        "messages": [{"role": "user", "content": "hi"}],
        "tools": [{"type": tool, "name": "computer", "display_width_px": 800, "display_height_px": 600}],
    }
    if refused:
        with pytest.raises(UsageError, match=f"rejects the tool version {tool}"):
            check_body(body, named={})
    else:
        check_body(body, named={})


def test_between_tools_follows_the_models_api() -> None:
    from claude_cli.errors import UsageError
    from claude_cli.message.request import check_body

    body = {
        "model": "claude-haiku-5-5",
        "max_tokens": 10,
        "messages": [{"role": "user", "content": "hi"}],
        "thinking": {"type": "between_tools"},
    }
    check_body(body, named={})  # no rule refuses it: the API decides
    caps = next(m for m in builtin_models() if m["id"] == "claude-haiku-5-5")["capabilities"]
    with pytest.raises(UsageError, match="between tool calls"):
        check_body(body, Learned(caps, "2026-12-02"), named={})
    sonnet = next(m for m in builtin_models() if m["id"] == "claude-sonnet-5-5")["capabilities"]
    check_body({**body, "model": "claude-sonnet-5-5"}, Learned(sonnet, "2026-12-02"), named={})


# What each rule's feature is called in the README's model-rules table.
_README_WORDS = {
    capabilities.SAMPLING: "`temperature`",
    capabilities.MANUAL_THINKING: "manual thinking",
    capabilities.THINKING_OFF: "thinking off",
    capabilities.FORCED_TOOL: "forced tool use",
    capabilities.THINKING_OFF_HIGH_EFFORT: "`--effort xhigh`",
    capabilities.PREFILL: "assistant prefill",
    capabilities.MID_SYSTEM: '`role: "system"`',
    capabilities.STRUCTURED_OUTPUT: "structured outputs",
    capabilities.tool_version("computer_20251124"): "`computer_20251124`",
}


def test_readme_model_rules_table_has_a_row_for_every_rule() -> None:
    section = README.split("### Model rules, checked before sending", 1)[1].split("\n\n", 3)[2]
    rows = [line for line in section.splitlines() if line.startswith("| ") and "---" not in line][1:]
    for rule in RULES:
        for feature in rule.rejects:
            family = "every" if rule.family == "*" else rule.family.capitalize()
            hits = [
                r for r in rows if _README_WORDS[feature] in r.split("|")[2] and family in r.split("|")[1]
            ]
            assert hits, (rule, feature)


def test_models_lifecycle_filter(cli, emu) -> None:
    def ids(*args: str) -> list[str]:
        run = cli("models", *args)
        assert run.code == 0, run
        return [line.split("\t")[0] for line in run.stdout.splitlines()]

    default = ids()
    assert "claude-opus-4-5" in default and "claude-sonnet-4-0" not in default
    assert ids("--lifecycle", "deprecated") == ["claude-opus-4-5"]
    assert ids("--lifecycle", "retired") == ["claude-opus-4-1", "claude-opus-4-0", "claude-sonnet-4-0"]
    assert set(ids("--lifecycle", "all")) == set(default) | {
        "claude-opus-4-1",
        "claude-opus-4-0",
        "claude-sonnet-4-0",
    }
    assert set(ids("list", "--lifecycle", "active")) == set(default) - {"claude-opus-4-5"}
    line = next(x for x in cli("models", "--lifecycle", "deprecated").stdout.splitlines())
    assert "Claude Opus 4.5 [deprecated, retires 2027-01-22]" in line
    # A retired model's date is in the past: "retired 2026-08-05", not "retired, retires 2026-08-05"
    gone = cli("models", "--lifecycle", "retired").stdout.splitlines()[0]
    assert "Claude Opus 4.1 [retired 2026-08-05]" in gone, gone


# The regular expressions parse_model and pricing read ids with before issue 32: modelids.claude_id
# now reads them with str methods (so `re` is not loaded to send a request); the two must agree.
_MODEL_ID = r"^claude-(?P<family>[a-z]+)-(?P<major>\d+)(?:-(?P<minor>\d{1,2}))?(?:-\d{8})?$"
_PREVIEW_ID = r"^claude-(?P<family>[a-z]+)-preview$"


def _by_pattern(model: str) -> tuple[str, tuple[int, int]] | None:
    import re

    m = re.match(_MODEL_ID, model)
    if m:
        return m["family"], (int(m["major"]), int(m["minor"] or 0))
    m = re.match(_PREVIEW_ID, model)
    return (m["family"], (0, 0)) if m else None


MODEL_IDS = [
    *CATALOGUE,
    *capabilities.ALIASES.values(),
    "claude-opus-4-20250514",  # a dated snapshot of a model without a minor version
    "claude-opus-4-5-20251101",
    "claude-opus-20250514",  # an 8-digit major: the date is not taken from it
    "claude-opus-4-05",
    "claude-opus-4-5-6",
    "claude-opus-4-123",
    "claude-opus-4-12345678-12345678",
    "claude-opus-4-5\n",  # `$` matched before a final newline
    "claude-opus-4-5\n\n",
    "claude-mythos-preview",
    "claude-mythos-preview\n",
    "claude-mythos-preview-1",
    "claude-Opus-4",
    "claude-opüs-4",
    "claude-opus-٤-٥",  # Arabic-Indic digits are \d
    "claude-opus-²",  # a superscript is not
    "claude--4",
    "claude-opus-",
    "claude-opus-4-",
    "claude-opus",
    "claude-",
    "claude",
    "opus-4-5",
    "xclaude-opus-4",
    "",
]


@pytest.mark.parametrize("model", MODEL_IDS)
def test_model_ids_are_read_as_the_pattern_read_them(model: str) -> None:
    assert claude_id(model) == _by_pattern(model)


def test_random_model_ids_are_read_as_the_pattern_read_them() -> None:
    import random

    pieces = ["claude", "-", "opus", "preview", "4", "5", "12", "20250514", "1234567", "Ab", "٤", "\n", "@"]
    rng = random.Random(32)
    for _ in range(20000):
        model = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 9)))
        assert claude_id(model) == _by_pattern(model), repr(model)
