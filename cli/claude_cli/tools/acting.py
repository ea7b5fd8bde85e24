"""From --edit/--bash/--memory and their flags to the client tools of one run (tool-run, chat).

Everything a run of these tools needs is checked here, before anything is sent: the workspace
is a directory, the memory directory can be made, the rules parse, --sandbox can make its
namespaces, and someone can consent (a terminal, --yes, or a rule).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from ..context import RunContext
from ..errors import UsageError
from ..flags import ActFlags
from .client import BashTool, ClientTool, FileTool
from .consent import Consent, Rule, parse_rules, terminal_ask


def config_rules(table: Any, where: str) -> list[Rule]:
    """The [tools] table of the config file: allow = [...], deny = [...]."""
    if not table:
        return []
    if not isinstance(table, dict):
        raise UsageError(f"{where}: [tools] must be a table")
    lists = {}
    for key in ("allow", "deny"):
        value = table.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise UsageError(f"{where}: [tools] {key} must be a list of KIND:GLOB strings")
        lists[key] = value
    unknown = set(table) - {"allow", "deny"}
    if unknown:
        raise UsageError(f"{where}: [tools] has no key {sorted(unknown)[0]!r} (allow, deny)")
    return parse_rules(lists["allow"], lists["deny"], f"{where}: [tools]")


def build(
    flags: ActFlags,
    run: RunContext,
    *,
    timeout: float,
    yes: bool,
    dry_run: bool,
    config_table: Any = None,
    config_where: str = "the config file",
    max_characters: int | None = None,
    plans: bool = True,
) -> dict[str, ClientTool]:
    """The client tools the flags ask for, by name; UsageError (exit 2) when they cannot run.
    (`max_characters`: the editor's view limit, the tool's own parameter; no flag sets it yet.
    `plans`: the command has --dry-run-tools, so the hint without a terminal may offer it.)"""
    if not (flags.edit or flags.bash or flags.memory):
        for name, given in (
            ("--workspace", flags.workspace),
            ("--memory-dir", flags.memory_dir),
            ("--allow", flags.allow),
            ("--deny", flags.deny),
            ("--sandbox", flags.sandbox),
            ("--sandbox-net", flags.sandbox_net),
        ):
            if given:
                raise UsageError(f"{name} is for Claude's own tools: add --edit, --bash or --memory")
        return {}
    if (flags.sandbox or flags.sandbox_net) and not flags.bash:
        raise UsageError("--sandbox is for the bash tool: add --bash")
    if flags.sandbox_net and not flags.sandbox:
        raise UsageError("--sandbox-net gives the sandbox a network: add --sandbox")
    root = workspace_dir(flags.workspace)
    rules = config_rules(config_table, config_where) + parse_rules(list(flags.allow), list(flags.deny))
    ask = None
    if not (yes or dry_run):
        ask = terminal_ask(run.env)
        if ask is None and not any(r.allow for r in rules):
            offered = (
                "--yes, --allow KIND:GLOB rules, or --dry-run-tools"
                if plans
                else "--yes or --allow KIND:GLOB rules"
            )
            raise UsageError(f"no terminal to confirm edits and commands: pass {offered}")
    consent = Consent(rules, yes=yes, ask=ask)
    tools: dict[str, ClientTool] = {}
    if flags.edit:
        from .editor import Editor
        from .workspace import Workspace

        tool = FileTool(Editor(Workspace(root), max_characters), consent, "edit")
        tools[tool.name] = tool
    if flags.bash:
        from .shell import Shell, check_sandbox

        prefix = check_sandbox(run, root, flags.sandbox_net) if flags.sandbox else None
        tools["bash"] = BashTool(Shell(run, root, timeout=timeout, sandbox=prefix), consent)
    if flags.memory:
        from .memory import Memory

        directory = flags.memory_dir or str(default_memory_dir())
        try:
            engine = Memory(directory)
        except OSError as exc:
            raise UsageError(f"--memory-dir: cannot use {directory} as a directory: {exc.strerror}") from None
        tools["memory"] = FileTool(engine, consent, "memory")
    return tools


def own_tools(
    flags: ActFlags, run: RunContext, *, timeout: float, yes: bool, dry_run: bool, plans: bool = True
) -> dict[str, ClientTool]:
    """The client tools a command's flags ask for (none: {}), with the config file's [tools] rules."""
    if flags == ActFlags():
        return {}
    from ..config import load_config

    config = load_config()
    where = f"config file {config.path}"
    return build(
        flags,
        run,
        timeout=timeout,
        yes=yes,
        dry_run=dry_run,
        config_table=config.tools,
        config_where=where,
        plans=plans,
    )


@contextmanager
def closing_all(tools: dict[str, ClientTool]) -> Iterator[None]:
    """Close the tools when the run ends, however it ends (the shell and all it started)."""
    try:
        yield
    finally:
        for tool in tools.values():
            tool.close()


def workspace_dir(given: str | None) -> str:
    root = given or os.getcwd()
    if not os.path.isdir(root):
        raise UsageError(f"--workspace: {root} is not a directory")
    return os.path.realpath(root)


def default_memory_dir() -> os.PathLike[str]:
    from ..config import data_dir

    return data_dir() / "memories"
