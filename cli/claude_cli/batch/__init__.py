"""Batch jobs: reading JSONL lines into jobs (jobs), the local concurrent runner (local), the
Message Batches mode (batches), the resume journal (journal), and the command's driver (run).

May import: flow, message/, api/, render, store, errors, config. Re-exports nothing.
"""
