"""The local stand-in for the API: a real HTTP server speaking its wire format (server), its
checks on content blocks and tools (content), Message Batches and rate limits (batches).

A server, not a client: it imports nothing of the client side but the model capability table
(message/capabilities) and errors. Run it with `python -m claude_cli.emulator`. Re-exports nothing.
"""
