"""The only code that speaks to the API: HTTP with retries and error mapping (transport), SSE
decoding and the accumulator (events), one request/response exchange (exchange), the Files API.

May import: errors, config, render. Never message/, store, commands/ (an import-linter contract).
Re-exports nothing, so importing the folder loads no module.
"""
