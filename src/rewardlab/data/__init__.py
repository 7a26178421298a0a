"""Dataset readers and writers (JSONL, preference and hub formats) and chat templates."""

from .jsonl import JsonlRow, dumps, iter_jsonl, open_text, read_jsonl, write_jsonl

__all__ = ["JsonlRow", "dumps", "iter_jsonl", "open_text", "read_jsonl", "write_jsonl"]
