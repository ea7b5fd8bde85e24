"""What the Models API last said about each model: kept by `claude models`, read before sending.

`claude models` and `claude models show ID` write the ModelInfo objects they fetched to
models.json in the data dir, per API base URL (another endpoint may serve other models). The
request path reads the one entry of the model it is about to use, to refuse what the model's
`capabilities` say it rejects (see capabilities.rejected_features). Reading never makes a
network call, and a missing or damaged file only means nothing is known. After a whole list
(`claude models`) the file also says when it was fetched, so chat's /model can tell a name the
endpoint does not serve.
"""

from __future__ import annotations

import os
import time

from .. import jsoncodec
from ..config import data_home
from .capabilities import Learned

TYPE_CHECKING = False  # typing for the type checker only (typecheck.py)
if TYPE_CHECKING:
    from typing import Any

FILE_NAME = "models.json"
FORMAT = 1


def cache_path() -> str:
    """Where the cache lives: models.json in the data dir (a str: pathlib is not on the request path)."""
    return os.path.join(data_home(), FILE_NAME)


# A pure cache, not run state: the parsed file by (path, mtime, size), so a batch reads it once;
# a changed file has another key.
_memo: dict[tuple[str, int, int], dict[str, Any]] = {}


def _read() -> dict[str, Any]:
    path = cache_path()
    try:
        st = os.stat(path)
        key = (path, st.st_mtime_ns, st.st_size)
        if key not in _memo:
            _memo.clear()
            with open(path, "rb") as f:
                _memo[key] = jsoncodec.loads(f.read())
        data = _memo[key]
    except (OSError, jsoncodec.DecodeError):
        return {}
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        return {}
    if not isinstance(data.get("endpoints"), dict):
        return {}
    return data


def lookup(base_url: str, model: str) -> Learned | None:
    """What the cache holds on `model`'s capabilities at `base_url`, or None. Never raises."""
    entry = _read().get("endpoints", {}).get(base_url, {}).get(model)
    if not isinstance(entry, dict):
        return None
    info, fetched = entry.get("info"), entry.get("fetched_at")
    if not isinstance(info, dict):
        return None
    caps = info.get("capabilities")
    if not isinstance(caps, dict) or not isinstance(fetched, str):
        return None
    lifecycle = {k: info.get(k) for k in ("lifecycle", "deprecated_at", "retires_at") if k in info}
    return Learned(caps, fetched[:10], lifecycle or None)


def listed(base_url: str) -> tuple[list[str], str] | None:
    """(model ids, date) of the last whole list `claude models` fetched from `base_url` (plus any
    `models show` added since), or None when no whole list was fetched. Never raises."""
    data = _read()
    fetched = data.get("listed", {}).get(base_url) if isinstance(data.get("listed"), dict) else None
    models = data.get("endpoints", {}).get(base_url)
    if not isinstance(fetched, str) or not isinstance(models, dict):
        return None
    return list(models), fetched[:10]


def remember(base_url: str, models: list[dict[str, Any]], *, complete: bool) -> None:
    """Store the ModelInfo objects just fetched from `base_url`.

    `complete` (the whole list): models the endpoint no longer lists are forgotten. Otherwise
    (one model, from `models show`) the others are kept. Written to a temporary file and renamed,
    so a reader never sees half a file.
    """
    import contextlib
    import copy
    import tempfile  # only when writing: the request path reads

    data = copy.deepcopy(_read()) or {"format": FORMAT, "endpoints": {}}
    now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    known = {} if complete else dict(data["endpoints"].get(base_url, {}))
    for info in models:
        if isinstance(info, dict) and isinstance(info.get("id"), str):
            known[info["id"]] = {"fetched_at": now, "info": info}
    data["endpoints"][base_url] = known
    if complete:  # the endpoint's whole list is known (see `listed`)
        if not isinstance(data.get("listed"), dict):
            data["listed"] = {}
        data["listed"][base_url] = now
    path = cache_path()
    os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".models-", dir=os.path.dirname(path))
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(jsoncodec.dumps(data))
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
