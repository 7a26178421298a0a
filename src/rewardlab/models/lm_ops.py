"""What a causal LM backbone can do beyond features: log-probabilities and generation.

- :func:`completion_logprobs`: the log-probability of each rendered completion given its
  context, token by token (implicit DPO rewards, likelihood rewards). Length-bucketed batches,
  right padding with an attention mask and ``torch.inference_mode``: a completion gets the same
  value alone or in any batch (float rounding aside). The LM head runs only on the completion's
  positions, so long contexts do not allocate a ``[tokens, vocabulary]`` matrix.
- :func:`choice_logprobs`: the log-probability of each of a few answers right after a prompt
  (a judge's "A" / "B", "Yes" / "No", "1".."10"): one forward pass per prompt when every choice
  is a single token, one per branch of the choices' prefix tree otherwise (:func:`choice_plan`).
- :func:`generate`: batched generation, greedy (deterministic) or sampled with a seed, with
  stop strings and stop patterns (a regular expression, e.g. a final-answer line).

Each function takes a :class:`~rewardlab.models.backbones.causal_lm.CausalLMBackbone` (or any
causal-LM :class:`~rewardlab.models.backbones.base.Backbone`) and, optionally, another ``model``
with the same tokenizer (a policy being trained).

>>> buckets_by_length([5, 1, 9, 3], 2)
[[2, 0], [3, 1]]
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .backbones.base import Backbone
from .backbones.rendering import RenderedSample

if TYPE_CHECKING:  # pragma: no cover
    import torch

__all__ = [
    "CompletionLogprob",
    "buckets_by_length",
    "choice_logprobs",
    "choice_plan",
    "completion_logprobs",
    "generate",
    "head_logits",
]

# Positions passed through the LM head at once (bounds the [positions, vocabulary] logits).
_HEAD_CHUNK = 512


@dataclass(frozen=True)
class CompletionLogprob:
    """Log-probability of one completion given its context."""

    token_logprobs: tuple[float, ...]
    truncated: bool
    """Whether the context or the completion was cut to fit the token limit."""

    @property
    def tokens(self) -> int:
        return len(self.token_logprobs)

    @property
    def total(self) -> float:
        """Sum of the token log-probabilities (log p(completion | context))."""
        return float(sum(self.token_logprobs))

    @property
    def mean(self) -> float:
        """Mean token log-probability (0.0 for an empty completion)."""
        return self.total / self.tokens if self.tokens else 0.0


def buckets_by_length(lengths: Sequence[int], batch_size: int) -> list[list[int]]:
    """Indices in batches of similar length, longest first (memory peaks early)."""
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, got {batch_size}")
    order = sorted(range(len(lengths)), key=lambda i: (-lengths[i], i))
    return [order[i : i + batch_size] for i in range(0, len(order), batch_size)]


def _require_causal(backbone: Backbone) -> None:
    if backbone.kind != "causal_lm":
        raise ValueError(f"backbone '{backbone.name}' is a {backbone.kind}; this needs a causal LM (e.g. 'smollm2')")


def _head_logits(model: Any, hidden: torch.Tensor) -> torch.Tensor:
    """The LM head's float32 logits for some hidden states (with the model's logit soft-capping)."""
    import torch

    logits = model.get_output_embeddings()(hidden).float()
    softcap = getattr(model.config, "final_logit_softcapping", None)
    if softcap:
        logits = torch.tanh(logits / softcap) * softcap
    return logits


def head_logits(model: Any, hidden: torch.Tensor) -> torch.Tensor:
    """The LM head's float32 logits ``[positions, vocabulary]`` for hidden states ``[positions, width]``
    (with the model's logit soft-capping): full next-token distributions, e.g. for entropies."""
    return _head_logits(model, hidden)


def _head_logprobs(model: Any, hidden: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """log p(target) at each hidden state, through the LM head in chunks."""
    import torch

    out = []
    for start in range(0, hidden.shape[0], _HEAD_CHUNK):
        logp = torch.log_softmax(_head_logits(model, hidden[start : start + _HEAD_CHUNK]), dim=-1)
        out.append(logp.gather(1, targets[start : start + _HEAD_CHUNK].unsqueeze(1)).squeeze(1))
    return torch.cat(out) if out else hidden.new_zeros(0)


def completion_logprobs(
    backbone: Backbone,
    rendered: Sequence[RenderedSample],
    *,
    batch_size: int = 8,
    max_length: int | None = None,
    model: Any = None,
) -> list[CompletionLogprob]:
    """Token log-probabilities of each ``rendered.completion`` after ``rendered.prompt``.

    The context is truncated from the left and the completion from the right to fit
    ``max_length`` (default: the backbone's); ``truncated`` says so. A completion with no
    tokens gets an empty result (total 0.0). The first token of a sample without any context
    has nothing to be predicted from and is left out.
    """
    _require_causal(backbone)
    if not rendered:
        return []
    import torch

    encoded = backbone.encode(rendered, max_length)
    model = backbone.model if model is None else model
    results: list[CompletionLogprob | None] = [None] * len(encoded)
    with torch.inference_mode():
        for indices in buckets_by_length([len(e) for e in encoded], batch_size):
            hidden = backbone.hidden_states(backbone.collate([encoded[i] for i in indices]), model)
            rows, cols, targets, owners = [], [], [], []
            for row, i in enumerate(indices):
                e = encoded[i]
                start = max(e.completion_start, 1)
                for pos in range(start, e.completion_end):
                    rows.append(row)
                    cols.append(pos - 1)
                    targets.append(e.input_ids[pos])
                    owners.append(i)
            values: list[float] = []
            if rows:
                sel = hidden[torch.tensor(rows), torch.tensor(cols)]
                values = _head_logprobs(model, sel, torch.tensor(targets, device=sel.device)).double().cpu().tolist()
            per_sample: dict[int, list[float]] = {i: [] for i in indices}
            for owner, value in zip(owners, values, strict=True):
                per_sample[owner].append(value)
            for i in indices:
                results[i] = CompletionLogprob(tuple(per_sample[i]), encoded[i].truncated)
    return [r for r in results if r is not None]


def choice_plan(choice_ids: Sequence[Sequence[int]]) -> tuple[list[tuple[int, ...]], list[list[tuple[int, int, int]]]]:
    """How to read every choice's log-probability from as few forward passes as possible.

    Returns the *chains* (token sequences appended to the prompt, one forward pass each) and,
    for every choice, where each of its tokens is read: ``(chain, offset, token)``, the
    distribution after the prompt and the chain's first ``offset`` tokens. The chains are the
    maximal proper prefixes of the choices, so single-token choices need only the prompt (the
    empty chain) and a 1-10 scale, where only "10" has two tokens, one pass over prompt + "1".

    >>> choice_plan([[5], [6]])
    ([()], [[(0, 0, 5)], [(0, 0, 6)]])
    >>> choice_plan([[1], [2], [1, 0]])
    ([(1,)], [[(0, 0, 1)], [(0, 0, 2)], [(0, 0, 1), (0, 1, 0)]])
    """
    prefixes = {tuple(ids[:j]) for ids in choice_ids for j in range(len(ids))}
    chains = sorted(p for p in prefixes if not any(len(q) > len(p) and q[: len(p)] == p for q in prefixes))
    reads = []
    for ids in choice_ids:
        per = []
        for j, token in enumerate(ids):
            context = tuple(ids[:j])
            chain = next(k for k, c in enumerate(chains) if c[:j] == context)
            per.append((chain, j, int(token)))
        reads.append(per)
    return chains, reads


def choice_logprobs(
    backbone: Backbone,
    prompts: Sequence[str],
    choices: Sequence[str],
    *,
    batch_size: int = 8,
    model: Any = None,
) -> list[list[float]]:
    """``log p(choice | prompt)`` for every prompt and choice (``[n_prompts][n_choices]``).

    ``prompts`` are already rendered (chat template applied, generation prompt included); each
    choice is tokenized on its own, as a completion would be. When every choice is one token,
    one forward pass per prompt reads them all from the next-token distribution. Multi-token
    choices share passes too: one per chain of :func:`choice_plan` (a rating scale 1-10 still
    costs one pass per prompt, over the prompt and "1"), never one per (prompt, choice) pair.
    The prompt is truncated from the left to leave room for the longest chain.
    """
    _require_causal(backbone)
    if not choices:
        raise ValueError("choice_logprobs needs at least one choice")
    if not prompts:
        return []
    import torch

    from .backbones.base import EncodedSample

    fast = backbone.fast_tokenizer
    choice_ids = [fast.encode(c, add_special_tokens=False).ids for c in choices]
    if any(not ids for ids in choice_ids):
        raise ValueError(f"a choice encodes to no tokens: {list(choices)!r}")
    chains, reads = choice_plan(choice_ids)
    longest = max(len(c) for c in chains)
    if backbone.max_length - longest < 1:
        raise ValueError(f"the choices need {longest + 1} tokens, more than the backbone's limit {backbone.max_length}")
    model = backbone.model if model is None else model
    encoded = backbone.encode([RenderedSample(p, "") for p in prompts], backbone.max_length - longest)
    empty = [k for k, e in enumerate(encoded) if len(e) == 0]
    if empty:
        raise ValueError(f"prompt {empty[0]} encodes to no tokens: nothing to predict a choice from")
    vocab = sorted({t for ids in choice_ids for t in ids})
    column = {t: k for k, t in enumerate(vocab)}
    wanted = torch.tensor(vocab)
    sequences = [(i, c) for i in range(len(prompts)) for c in range(len(chains))]
    # (prompt, chain) -> [len(chain) + 1, len(vocab)]: log p(token | prompt + chain[:offset])
    table: dict[tuple[int, int], torch.Tensor] = {}
    with torch.inference_mode():
        lengths = [len(encoded[i]) + len(chains[c]) for i, c in sequences]
        for indices in buckets_by_length(lengths, batch_size):
            joined = []
            for k in indices:
                i, c = sequences[k]
                e = encoded[i]
                ids = list(e.input_ids) + list(chains[c])
                joined.append(EncodedSample(ids, None, len(e), len(ids), e.truncated))
            hidden = backbone.hidden_states(backbone.collate(joined), model)
            rows, cols = [], []
            for row, k in enumerate(indices):
                i, c = sequences[k]
                for offset in range(len(chains[c]) + 1):
                    rows.append(row)
                    cols.append(len(encoded[i]) - 1 + offset)
            logits = _head_logits(model, hidden[torch.tensor(rows), torch.tensor(cols)])
            logp = torch.log_softmax(logits, dim=-1)[:, wanted.to(logits.device)].double().cpu()
            at = 0
            for k in indices:
                i, c = sequences[k]
                table[(i, c)] = logp[at : at + len(chains[c]) + 1]
                at += len(chains[c]) + 1
    return [
        [sum(float(table[(i, c)][offset, column[t]]) for c, offset, t in per) for per in reads]
        for i in range(len(prompts))
    ]


class _PatternStop:
    """Stops a row once its generated text matches a regular expression (checked on the tail)."""

    def __init__(self, tokenizer: Any, prompt_width: int, pattern: re.Pattern[str], tail_tokens: int = 48) -> None:
        self.tokenizer = tokenizer
        self.prompt_width = prompt_width
        self.pattern = pattern
        self.tail_tokens = tail_tokens

    def __call__(self, input_ids: torch.Tensor, scores: torch.Tensor, **kwargs: Any) -> torch.Tensor:
        import torch

        done = torch.zeros(input_ids.shape[0], dtype=torch.bool, device=input_ids.device)
        generated = input_ids[:, self.prompt_width :]
        if generated.shape[1] == 0:
            return done
        tails = self.tokenizer.batch_decode(generated[:, -self.tail_tokens :], skip_special_tokens=True)
        for row, text in enumerate(tails):
            if self.pattern.search(text):
                done[row] = True
        return done


def _cut(text: str, stop: Sequence[str], pattern: re.Pattern[str] | None) -> str:
    end = len(text)
    for s in stop:
        at = text.find(s)
        if at >= 0:
            end = min(end, at)
    if pattern is not None:
        match = pattern.search(text)
        if match:
            end = min(end, match.end())
    return text[:end]


def generate(
    backbone: Backbone,
    prompts: Sequence[str],
    *,
    max_new_tokens: int = 128,
    temperature: float = 0.0,
    top_p: float = 1.0,
    num_samples: int = 1,
    seed: int = 0,
    stop: Sequence[str] = (),
    stop_pattern: str | None = None,
    batch_size: int = 8,
    model: Any = None,
    on_batch: Callable[[int], None] | None = None,
) -> list[list[str]]:
    """``num_samples`` continuations of each rendered prompt (``[n_prompts][num_samples]``).

    ``temperature`` 0 is greedy decoding (deterministic; the samples are then identical);
    otherwise sampling with ``top_p``, seeded by ``seed`` (the same call returns the same
    texts). Text is cut before the first ``stop`` string, and after the first match of
    ``stop_pattern`` (generation of a row also ends there). Prompts are truncated from the left
    to leave room for ``max_new_tokens``. ``on_batch(n)`` is called after each batch of ``n``
    prompts (progress bars).
    """
    _require_causal(backbone)
    if max_new_tokens < 1:
        raise ValueError(f"max_new_tokens must be at least 1, got {max_new_tokens}")
    if num_samples < 1:
        raise ValueError(f"num_samples must be at least 1, got {num_samples}")
    if not prompts:
        return []
    import torch
    from transformers import StoppingCriteriaList

    model = backbone.model if model is None else model
    tokenizer = backbone.tokenizer
    budget = max(8, backbone.max_length - max_new_tokens)
    ids = [e.ids[-budget:] for e in backbone.fast_tokenizer.encode_batch(list(prompts), add_special_tokens=False)]
    pattern = re.compile(stop_pattern) if stop_pattern else None
    sampling = temperature > 0
    copies = num_samples if sampling else 1
    pad = backbone.pad_token_id
    results: list[list[str]] = [[] for _ in prompts]
    for batch_no, indices in enumerate(buckets_by_length([len(x) for x in ids], batch_size)):
        rows = [ids[i] for i in indices for _ in range(copies)]
        width = max(len(r) for r in rows)
        input_ids = torch.full((len(rows), width), pad, dtype=torch.long)
        mask = torch.zeros((len(rows), width), dtype=torch.long)
        for k, r in enumerate(rows):  # left padding: every row ends where generation starts
            input_ids[k, width - len(r) :] = torch.tensor(r, dtype=torch.long)
            mask[k, width - len(r) :] = 1
        criteria = StoppingCriteriaList([_PatternStop(tokenizer, width, pattern)]) if pattern else None
        kwargs: dict[str, Any] = {
            "max_new_tokens": max_new_tokens,
            "do_sample": sampling,
            "pad_token_id": pad,
            "eos_token_id": tokenizer.eos_token_id,
            "stopping_criteria": criteria,
        }
        if sampling:
            kwargs.update(temperature=temperature, top_p=top_p, top_k=0)
        if stop:
            kwargs.update(stop_strings=list(stop), tokenizer=tokenizer)
        with torch.random.fork_rng(devices=[] if backbone.device == "cpu" else None), torch.inference_mode():
            torch.manual_seed(seed * 1_000_003 + batch_no)
            out = model.generate(
                input_ids=input_ids.to(backbone.device), attention_mask=mask.to(backbone.device), **kwargs
            )
        texts = tokenizer.batch_decode(out[:, width:], skip_special_tokens=True)
        for k, text in enumerate(texts):
            i = indices[k // copies]
            results[i].append(_cut(text, stop, pattern))
        if on_batch is not None:
            on_batch(len(indices))
    if not sampling and num_samples > 1:
        results = [r * num_samples for r in results]
    return results
