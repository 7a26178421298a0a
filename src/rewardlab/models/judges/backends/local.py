"""A judge running on a local causal LM with transformers (SmolLM2 by default).

Decoding is greedy (deterministic) unless a request asks for a temperature; prompts are rendered
with the model's chat template and decoded in batches of ``batch_size``, grouped by decoding
parameters. The model is shared with other rewards of the process
(:func:`~rewardlab.models.backbones.causal_lm.shared_causal_lm`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from .base import ChatRequest, JudgeBackend

__all__ = ["LocalBackend"]


@dataclass
class LocalBackend(JudgeBackend):
    model: str = "smollm2"
    device: str = "auto"
    batch_size: int = 8
    max_length: int = 2048
    _backbone: Any = field(default=None, repr=False)
    _identity: str | None = field(default=None, repr=False)

    @property
    def backbone(self) -> Any:
        if self._backbone is None:
            from ...backbones.causal_lm import shared_causal_lm

            self._backbone = shared_causal_lm(self.model, device=self.device, max_length=self.max_length)
        return self._backbone

    @property
    def identity(self) -> str:
        if self._identity is None:
            folder = self.backbone.model_dir()
            digest = hashlib.sha256()
            for name in ("config.json", "conversion.json", "model.safetensors"):
                path = folder / name
                if path.is_file():
                    stat = path.stat()
                    digest.update(f"{name}:{stat.st_size}:{int(stat.st_mtime)}".encode())
            self._identity = f"local:{self.model}:{digest.hexdigest()[:16]}"
        return self._identity

    def _prompts(self, requests: Sequence[ChatRequest]) -> list[str]:
        return [self.backbone.render_prompt(r.as_dicts()) for r in requests]

    def _complete(self, requests: Sequence[ChatRequest]) -> list[str | BaseException]:
        from ...lm_ops import generate

        out: list[str | BaseException] = [""] * len(requests)
        groups: dict[tuple[int, float], list[int]] = {}
        for i, r in enumerate(requests):
            groups.setdefault((r.max_tokens, r.temperature), []).append(i)
        prompts = self._prompts(requests)
        for (max_tokens, temperature), indices in groups.items():
            try:
                texts = generate(
                    self.backbone,
                    [prompts[i] for i in indices],
                    max_new_tokens=max_tokens,
                    temperature=temperature,
                    batch_size=self.batch_size,
                )
            except Exception as exc:  # the group failed as a whole; the others may not
                for i in indices:
                    out[i] = exc
                continue
            for i, samples in zip(indices, texts, strict=True):
                out[i] = samples[0]
        return out

    def _choose(self, requests: Sequence[ChatRequest], choices: Sequence[str]) -> list[list[float] | BaseException]:
        from ...lm_ops import choice_logprobs

        rows = choice_logprobs(self.backbone, self._prompts(requests), choices, batch_size=self.batch_size)
        return list(rows)
