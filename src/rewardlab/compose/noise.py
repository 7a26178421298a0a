"""Label noise on a reward: flip or perturb its score with probability ``p``, seeded and reproducible.

The ``noise`` transform simulates an imperfect annotator or a noisy proxy (Gao et al.'s synthetic
over-optimization setup labels preferences with a gold reward plus noise). With probability ``p``
a sample's score is

- ``flip``: reflected within [``low``, ``high``] (``low + high - score``: a 0/1 verdict becomes the
  other one, a score in [0, 1] becomes ``1 - score``);
- ``gaussian``: shifted by Normal(0, ``sigma``);
- ``replace``: replaced by a uniform draw in [``low``, ``high``];

and left as it is otherwise. The draw is a function of ``seed`` and the sample alone (its ``id``
when it has one, else its prompt and completion), never of the batch or of the order: the same
sample gets the same noise in any batch, on any run and in any process.

>>> from rewardlab.verifiers import ExactMatch
>>> flip_all = Noise(child=ExactMatch(), p=1.0, mode="flip")
>>> flip_all.score({"completion": "4", "answer": "4"}).score
0.0
>>> never = Noise(child=ExactMatch(), p=0.0)
>>> never.score({"completion": "4", "answer": "4"}).score
1.0
"""

from __future__ import annotations

import hashlib
import json
import math
from typing import ClassVar, Literal

from pydantic import Field, model_validator

from ..core.context import ScoreContext
from ..core.example import Example
from ..core.registry import register
from ..core.sample import Sample
from .wrappers import Transformed, Wrapper

__all__ = ["Noise", "sample_uniforms"]

NoiseMode = Literal["flip", "gaussian", "replace"]


def _sample_key(sample: Sample) -> str:
    if sample.id is not None:
        return f"id:{sample.id}"
    return "text:" + json.dumps([sample.prompt_text, sample.completion_text], ensure_ascii=False)


def sample_uniforms(seed: int, key: str, n: int = 2) -> list[float]:
    """``n`` independent uniforms in [0, 1) determined by ``seed`` and ``key`` (BLAKE2b of both).

    >>> sample_uniforms(0, "a") == sample_uniforms(0, "a") != sample_uniforms(1, "a")
    True
    """
    digest = hashlib.blake2b(f"{seed}\x00{key}".encode(), digest_size=8 * n).digest()
    return [int.from_bytes(digest[8 * i : 8 * i + 8], "big") / 2.0**64 for i in range(n)]


@register("noise")
class Noise(Wrapper):
    """The child's score, flipped or perturbed with probability ``p`` (seeded per sample).

    ``info`` says whether the sample was hit (``noised``). Use it to simulate noisy preference
    labels from a gold reward, or to test how a pipeline stands noisy rewards.

    >>> from rewardlab.verifiers import ExactMatch
    >>> r = Noise(child=ExactMatch(), p=0.5, mode="flip", seed=1)
    >>> scores = r.scores([{"id": i, "completion": "4", "answer": "4"} for i in range(1000)])
    >>> 450 < scores.count(0.0) < 550
    True
    """

    example: ClassVar[Example] = Example(
        sample={"id": "q1", "completion": "4", "answer": "4"},
        params={"child": {"type": "exact_match"}, "p": 1.0, "mode": "flip"},
        score=0.0,
    )

    p: float = Field(ge=0.0, le=1.0, description="Probability that a sample's score is flipped or perturbed.")
    mode: NoiseMode = Field(
        default="flip",
        description="flip: low + high - score; gaussian: + Normal(0, sigma); replace: uniform in [low, high].",
    )
    sigma: float = Field(default=1.0, gt=0.0, description="Standard deviation of the gaussian noise.")
    low: float = Field(default=0.0, description="Lower end of the score range (flip, replace).")
    high: float = Field(default=1.0, description="Upper end of the score range (flip, replace).")
    seed: int = Field(default=0, description="Seed of the noise; the draw depends on it and the sample only.")

    @model_validator(mode="after")
    def _check(self) -> Noise:
        if self.low > self.high:
            raise ValueError(f"low ({self.low}) must not exceed high ({self.high})")
        return self

    def _transform(self, score: float, sample: Sample, ctx: ScoreContext) -> Transformed:
        hit_u, value_u = sample_uniforms(self.seed, _sample_key(sample))
        if hit_u >= self.p:
            return score, {"noised": False}
        if self.mode == "flip":
            value = self.low + self.high - score
        elif self.mode == "replace":
            value = self.low + (self.high - self.low) * value_u
        else:
            # Box-Muller with the second uniform and a third one from the same key.
            extra = sample_uniforms(self.seed + 1, _sample_key(sample), 1)[0]
            radius = math.sqrt(-2.0 * math.log(max(value_u, 1e-300)))
            value = score + self.sigma * radius * math.cos(2.0 * math.pi * extra)
        return value, {"noised": True}
