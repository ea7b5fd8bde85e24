"""`-a DIR`: the files under a directory, in a stable order, as attachment sources.

In a git work tree git itself says which files count (`git ls-files -co --exclude-standard`:
tracked files and untracked ones that no .gitignore, .git/info/exclude or global excludes file
hides), so every ignore rule git knows is honoured exactly and `.git/` never appears. Outside a
work tree (or without git) the directory is walked, skipping `.git/`. Paths are sorted, so the
same tree gives the same request. Files over MAX_FILE bytes are skipped (one line each); the
total the directory adds is capped at MAX_TOTAL bytes before anything is read into a request.
"""

from __future__ import annotations

import os
import stat
import subprocess
from collections.abc import Callable
from pathlib import Path

from ..errors import UsageError
from ..osnames import shown_path
from ..render import one_line
from .inputs import Unreadable, read_file_bytes

MAX_FILE = 1024 * 1024  # bytes: a larger file under a directory is skipped with a note
MAX_TOTAL = 16 * 1024 * 1024  # bytes a directory may add (the API takes 32 MB a request, base64 included)


def list_files(root: str) -> list[str]:
    """Paths of the files under `root`, relative to it, sorted (git's view inside a work tree)."""
    listed = _git_files(root)
    if listed is None:
        listed = _walk(root)
    return sorted({p for p in listed if not (Path(root) / p).is_dir()})  # (a git submodule is a dir)


def _git_files(root: str) -> list[str] | None:
    """git's list of the files under root (tracked + untracked, not ignored), or None outside a work tree."""
    try:
        done = subprocess.run(
            ["git", "-C", root, "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            capture_output=True,
            timeout=60,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None  # no git: walk instead
    if done.returncode != 0:
        return None  # not a work tree
    return [p for p in done.stdout.decode("utf-8", "surrogateescape").split("\0") if p]


def _walk(root: str) -> list[str]:
    found = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if d != ".git"]
        rel = os.path.relpath(folder, root)
        found += [f if rel == "." else os.path.join(rel, f) for f in files]
    return found


def read_tree(root: str, note: Callable[[str], None]) -> list[tuple[str, bytes]]:
    """(display name, bytes) for each file under root small enough to attach, in sorted order.

    The display name is the path as the user would type it (`src/app.py` for `-a src`).
    Oversized files are skipped with a note; a tree over MAX_TOTAL is a UsageError.
    """
    paths = list_files(root)
    if not paths:
        raise UsageError(f"attachment {root}: no files under this directory (after .gitignore)")
    chosen: list[tuple[str, Path]] = []
    total = 0
    for rel in paths:
        path = Path(root) / rel
        name = os.path.normpath(os.path.join(root, rel))
        try:
            info = path.stat()
        except OSError as exc:
            note(f"claude: skipped {one_line(shown_path(name))}: {exc.strerror}")
            continue
        if not stat.S_ISREG(info.st_mode):  # a FIFO would wait for a writer, /dev/zero never end
            note(f"claude: skipped {one_line(shown_path(name))}: not a regular file")
            continue
        size = info.st_size
        if size > MAX_FILE:
            limit = MAX_FILE // 1024 // 1024
            shown = one_line(shown_path(name))
            note(f"claude: skipped {shown}: {size / 1e6:.1f} MB is over the {limit} MB a file")
            continue
        total += size
        chosen.append((name, path))
    if total > MAX_TOTAL:
        raise UsageError(
            f"attachment {root}: {len(chosen)} files hold {total / 1e6:.1f} MB, over the "
            f"{MAX_TOTAL // 1024 // 1024} MB a directory may add; attach a subdirectory or list files with -a"
        )
    read: list[tuple[str, bytes]] = []
    for name, path in chosen:
        # The bounded reader: a file that grew, or says 0 bytes and holds more (/proc), is cut
        # off at MAX_FILE, and one swapped for a pipe or device since the listing is refused.
        try:
            read.append((name, read_file_bytes(str(path), "attachment", MAX_FILE, pipes=False)))
        except Unreadable as exc:
            note(f"claude: skipped {one_line(shown_path(name))}: {exc.reason}")
    return read
