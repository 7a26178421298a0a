"""The reward server (FastAPI), its client, batching, cache, auth and metrics."""
