"""`claude chat`: the session (session.py: the REPL and the JSON-lines pipe) and its slash
commands (slash.py: one table for /help, completion and dispatch). Re-exports nothing."""
