"""From flags and inputs to a checked request body: stdin and files (inputs), attachments and
media types, the model capability table (data), request options and body, JSON Schema, and
structured output.

May import: api (limits, the Files API), render, errors, config. Re-exports nothing, so importing
the folder loads no module.
"""
