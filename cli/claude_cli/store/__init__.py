"""The conversation log: every completed exchange, in one SQLite file ($CLAUDE_HOME/claude.db).

`log` is its API (the `Store`: record, read, search, pop, remove); `turns` how a turn is stored
(only what it added to the history) and rebuilt; `blobs` long strings and settings stored once,
with the references that say which turns use them; `search` the FTS5 index and the query
language of `claude log search`; `schema` the tables and the ordered migrations from every older
layout; `opening` opening the file (WAL mode, the read-only fallback); `early` opening it on a
thread while the request is in flight; `busy` waiting, said and bounded, while another process
writes it; `guard` keeping it whole (a write-ahead log of another database set aside, a damaged
log copied before anything writes, and the way on from it); `lock` serializing two processes
continuing one conversation.

May import: content, config, errors. Never render (an import-linter contract). Re-exports
nothing, so importing the folder loads no module.
"""
