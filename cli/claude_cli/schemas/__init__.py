"""The JSON Schemas of claude's machine-readable output (draft 2020-12), shipped as NAME.json files;
catalog.py lists, reads and bundles them for `claude schema` (and the tests' schema fixture)."""
