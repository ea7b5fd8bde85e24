"""The local stand-in for the API: a real HTTP server speaking its wire format.

`server.Emulator` puts it together (its docstring lists the modules): the state it keeps
(state), the endpoints as a table and one dispatcher (routes) over a per-request HTTP exchange
(handler), the API's refusals as tables of rules (rules), the default answers (answers) and their
SSE encoding (sse), scripted replies and faults (script, faults), checks on content blocks and
server tools (content, server_tools), the model catalogue (models), Message Batches and rate
limits (batches), and `python -m claude_cli.emulator` (cli).

A server, not a client: it imports nothing of the client side but the model capability table
(message/capabilities) and errors. Re-exports nothing.
"""
