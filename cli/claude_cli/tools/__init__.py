"""Claude's tools: declaring and running local programs (programs) and the tool-use loop (loop).

May import: flow, message/, api/, render, store, errors, config. Re-exports nothing.
"""
