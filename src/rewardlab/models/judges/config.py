"""Where a judge's verdicts come from: a local transformers model or an OpenAI-compatible endpoint.

In a spec the ``backend`` of a judge is a mapping (or just a local model name)::

    backend: smollm2                                   # local transformers, greedy decoding
    backend: {kind: local, model: /models/qwen2.5-1.5b-instruct, batch_size: 16}
    backend: {kind: openai, base_url: http://127.0.0.1:8000/v1, model: Qwen/Qwen2.5-7B-Instruct,
              api_key_env: VLLM_API_KEY, concurrency: 16, rate_limit_per_s: 20, timeout_s: 60}

``openai`` speaks ``POST {base_url}/chat/completions`` (vLLM, llama.cpp server, SGLang, hosted
APIs). The API key is read from the environment variable named by ``api_key_env`` when a
request is sent; it never appears in a spec, a cache key or a log.

>>> JudgeBackendConfig.model_validate("smollm2").kind
'local'
>>> JudgeBackendConfig(kind="openai", base_url="http://127.0.0.1:8000/v1", model="m").endpoint
'http://127.0.0.1:8000/v1/chat/completions'
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

__all__ = ["JudgeBackendConfig"]


class JudgeBackendConfig(BaseModel):
    """Settings of a judge backend (validated; unknown keys are errors)."""

    model_config = ConfigDict(frozen=True, extra="forbid", protected_namespaces=())

    kind: Literal["local", "openai"] = Field(default="local", description="'local' transformers or 'openai' HTTP.")
    model: str = Field(
        default="smollm2",
        description="local: 'smollm2', a causal LM folder or a .gguf file; openai: the served model's name.",
    )
    # local
    device: str = Field(default="auto", description="local: 'auto', 'cpu', 'cuda', 'cuda:N'.")
    batch_size: int = Field(default=8, ge=1, description="local: prompts decoded together (greedy).")
    max_length: int = Field(default=2048, ge=64, description="local: token limit of prompt + verdict.")
    # openai
    base_url: str | None = Field(default=None, description="openai: the API root, e.g. http://127.0.0.1:8000/v1.")
    api_key_env: str | None = Field(
        default="OPENAI_API_KEY", description="openai: environment variable holding the API key (if set)."
    )
    timeout_s: float = Field(default=60.0, gt=0, description="openai: seconds before one attempt times out.")
    max_retries: int = Field(default=4, ge=0, description="openai: retries after a timeout, 429 or 5xx.")
    backoff_s: float = Field(default=0.5, ge=0, description="openai: first retry delay; doubles each retry.")
    max_backoff_s: float = Field(default=30.0, ge=0, description="openai: cap on one retry delay.")
    concurrency: int = Field(default=8, ge=1, description="openai: requests in flight at once.")
    rate_limit_per_s: float | None = Field(default=None, gt=0, description="openai: most requests started per second.")
    extra_body: dict[str, Any] = Field(default_factory=dict, description="openai: extra JSON fields for each request.")
    # both
    cache: bool = Field(default=True, description="Keep responses in a SQLite cache (key: model + prompt + params).")
    cache_path: str | None = Field(
        default=None, description="SQLite file of the cache (default: $REWARDLAB_HOME/cache/judges/responses.sqlite)."
    )

    @model_validator(mode="before")
    @classmethod
    def _from_name(cls, value: Any) -> Any:
        if isinstance(value, str):
            return {"kind": "local", "model": value}
        return value

    @model_validator(mode="after")
    def _check(self) -> JudgeBackendConfig:
        if self.kind == "openai":
            if not self.base_url:
                raise ValueError("backend kind 'openai' needs base_url (e.g. http://127.0.0.1:8000/v1)")
            if not self.base_url.startswith(("http://", "https://")):
                raise ValueError(f"base_url must start with http:// or https://, got {self.base_url!r}")
            if self.model == "smollm2":
                raise ValueError("backend kind 'openai' needs model: the name the server serves")
        return self

    @property
    def endpoint(self) -> str:
        """The chat-completions URL (openai backends)."""
        base = (self.base_url or "").rstrip("/")
        return base if base.endswith("/chat/completions") else f"{base}/chat/completions"
