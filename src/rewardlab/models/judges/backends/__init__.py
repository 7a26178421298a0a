"""Judge backends: local transformers and OpenAI-compatible HTTP, behind one interface."""

from __future__ import annotations

from ..config import JudgeBackendConfig
from .base import BackendError, ChatRequest, JudgeBackend

__all__ = ["BackendError", "ChatRequest", "JudgeBackend", "make_backend"]


def make_backend(config: JudgeBackendConfig) -> JudgeBackend:
    """The backend a config describes, with its response cache when enabled."""
    from ..cache import ResponseCache

    cache = ResponseCache(config.cache_path) if config.cache else None
    if config.kind == "local":
        from .local import LocalBackend

        return LocalBackend(
            cache=cache,
            model=config.model,
            device=config.device,
            batch_size=config.batch_size,
            max_length=config.max_length,
        )
    from .http import OpenAIBackend

    return OpenAIBackend(
        cache=cache,
        base_url=config.base_url or "",
        model=config.model,
        api_key_env=config.api_key_env,
        timeout_s=config.timeout_s,
        max_retries=config.max_retries,
        backoff_s=config.backoff_s,
        max_backoff_s=config.max_backoff_s,
        concurrency=config.concurrency,
        rate_limit_per_s=config.rate_limit_per_s,
        extra_body=dict(config.extra_body),
    )
