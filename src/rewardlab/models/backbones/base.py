"""The backbone interface: a pretrained transformer that learned rewards are built on.

A :class:`Backbone` wraps one Hugging Face model and its tokenizer and gives every learned
reward the same five things:

- identity: ``name``, ``kind`` (``"encoder"`` or ``"causal_lm"``), ``source`` (a local folder);
- lazily loaded ``tokenizer`` and ``model`` (nothing heavy happens until first use; loading is
  offline: ``local_files_only=True``), on a ``device`` chosen automatically (``cuda`` when a GPU
  is visible, else ``cpu``; see :mod:`rewardlab.models.runtime`);
- :meth:`Backbone.render`: the one documented way a sample (prompt messages + completion)
  becomes model input, chat template included (:class:`RenderedSample`);
- :meth:`Backbone.check_template`: problems with the chat template (missing, or unusable to
  separate prompt from completion); a warning is issued once when the tokenizer loads;
- :meth:`Backbone.encode` / :meth:`Backbone.collate` / :meth:`Backbone.features`: token ids with
  context-first truncation (the context loses its oldest tokens first, the completion keeps its
  start), right padding with an attention mask, and one pooled vector per sample
  (mean over the completion's tokens for encoders, last token for causal LMs).

Subclasses implement ``_load_tokenizer``, ``_load_model`` and ``render``:
:class:`~rewardlab.models.backbones.encoder.EncoderBackbone` (MiniLM and any BERT-like folder)
and ``rewardlab.models.backbones.causal_lm.CausalLMBackbone`` (SmolLM2 and any causal LM folder).
A subclass's constructor takes ``(source, *, name=None, device="auto", dtype=None,
max_length=None, threads=None)`` like this base, so :func:`rewardlab.models.backbones.load_backbone`
can build any of them.

>>> from rewardlab.models.backbones.base import truncation_budget
>>> truncation_budget(prompt_len=300, completion_len=50, budget=200)
(150, 50)
>>> truncation_budget(prompt_len=300, completion_len=500, budget=200)
(50, 150)
"""

from __future__ import annotations

import threading
import warnings
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from ...core.sample import Sample
from ..runtime import choose_device, configure_threads, quiet_transformers
from .rendering import RenderedSample, template_fingerprint

if TYPE_CHECKING:  # pragma: no cover
    import torch

__all__ = [
    "Backbone",
    "BackboneKind",
    "EncodedSample",
    "Pooling",
    "RenderedSample",
    "TemplateWarning",
    "truncation_budget",
]

BackboneKind = Literal["encoder", "causal_lm"]
Pooling = Literal["mean", "last", "cls", "completion_mean"]
DType = Literal["float32", "bfloat16", "float16"]

# The share of the token budget the context keeps at least, when the completion is long.
MIN_CONTEXT_SHARE = 0.25


class TemplateWarning(UserWarning):
    """A backbone's chat template is missing or does not match how samples are rendered."""


@dataclass(frozen=True)
class EncodedSample:
    """Token ids of one rendered sample (special tokens included, not padded)."""

    input_ids: list[int]
    token_type_ids: list[int] | None
    completion_start: int
    """Index of the first completion token in ``input_ids``."""
    completion_end: int
    """Index one past the last completion token (special tokens after it excluded)."""
    truncated: bool
    """Whether tokens of the context or of the completion were cut to fit ``max_length``."""

    def __len__(self) -> int:
        return len(self.input_ids)


def truncation_budget(*, prompt_len: int, completion_len: int, budget: int) -> tuple[int, int]:
    """How many context and completion tokens to keep within ``budget`` tokens.

    Everything is kept when it fits. Otherwise the completion keeps as much of its start as it
    can while the context keeps at least ``MIN_CONTEXT_SHARE`` of the budget (or all of itself
    if shorter); the context keeps its most recent tokens.
    """
    budget = max(1, budget)
    if prompt_len + completion_len <= budget:
        return prompt_len, completion_len
    context_floor = min(prompt_len, int(budget * MIN_CONTEXT_SHARE))
    keep_completion = min(completion_len, budget - context_floor)
    keep_prompt = min(prompt_len, budget - keep_completion)
    return keep_prompt, keep_completion


class Backbone(ABC):
    """A pretrained model + tokenizer, loaded lazily, with one rendering of samples."""

    kind: ClassVar[BackboneKind]
    default_pooling: ClassVar[Pooling]
    default_max_length: ClassVar[int] = 512
    # Whether the tokenizer's post-processor adds special tokens ([CLS] ... [SEP]) around the
    # rendered parts. Causal LMs rendered through a chat template already carry theirs.
    add_special_tokens: ClassVar[bool] = True

    def __init__(
        self,
        source: str | Path,
        *,
        name: str | None = None,
        device: str | None = "auto",
        dtype: DType | None = None,
        max_length: int | None = None,
        threads: int | None = None,
    ) -> None:
        self.source = Path(source)
        self.name = name or self.source.name
        self.device = choose_device(device)
        self.dtype: DType = dtype or "float32"
        if max_length is not None and max_length < 8:
            raise ValueError(f"max_length must be at least 8 tokens, got {max_length}")
        self._max_length = max_length
        self._threads = threads
        self._tokenizer: Any = None
        self._fast: Any = None
        self._model: Any = None
        self._lock = threading.RLock()
        self._warned = False
        self._check_source()

    def _check_source(self) -> None:  # noqa: B027 -- a hook: most kinds accept any source
        """Raise ``ValueError`` when ``self.source`` cannot be this kind of model (checked on construction)."""

    # ---- identity -----------------------------------------------------------------------
    def __repr__(self) -> str:
        cls = type(self).__name__
        return f"{cls}(name={self.name!r}, kind={self.kind!r}, source='{self.source}', device={self.device!r})"

    def describe(self) -> dict[str, Any]:
        """What a model card records about the backbone."""
        info: dict[str, Any] = {
            "name": self.name,
            "kind": self.kind,
            "source": str(self.source),
            "pooling": self.default_pooling,
            "max_length": self.max_length,
            "dtype": self.dtype,
            "device": self.device,
        }
        if self._tokenizer is not None:
            info["chat_template"] = template_fingerprint(self._tokenizer)
        if self._model is not None:
            info["parameters"] = sum(p.numel() for p in self._model.parameters())
            info["architecture"] = type(self._model).__name__
        return info

    @property
    def max_length(self) -> int:
        """Token limit of one rendered sample (special tokens included)."""
        if self._max_length is not None:
            return self._max_length
        limit = self.default_max_length
        if self._tokenizer is not None:
            model_max = getattr(self._tokenizer, "model_max_length", None)
            if isinstance(model_max, int) and 0 < model_max < 1_000_000:
                limit = min(limit, model_max)
        return limit

    # ---- lazy loading -------------------------------------------------------------------
    @property
    def tokenizer(self) -> Any:
        """The Hugging Face tokenizer (loaded on first use; a template warning is issued once)."""
        if self._tokenizer is None:
            with self._lock:
                if self._tokenizer is None:
                    with quiet_transformers():
                        self._tokenizer = self._load_tokenizer()
                    self._warn_template()
        return self._tokenizer

    @property
    def model(self) -> Any:
        """The Hugging Face model on ``device``, in eval mode (loaded on first use)."""
        if self._model is None:
            with self._lock:
                if self._model is None:
                    import torch

                    if self.device == "cpu":
                        configure_threads(self._threads)
                    with quiet_transformers():
                        model = self._load_model()
                    model.to(device=self.device, dtype=getattr(torch, self.dtype))
                    model.eval()
                    self._model = model
        return self._model

    @property
    def is_loaded(self) -> bool:
        return self._model is not None

    @property
    def hidden_size(self) -> int:
        """Width of the pooled feature vector."""
        config = self.model.config
        names = ("hidden_size", "d_model", "n_embd")
        size = next((getattr(config, a) for a in names if getattr(config, a, None)), None)
        if size is None:  # pragma: no cover - exotic configs
            raise ValueError(f"cannot tell the hidden size of {type(self.model).__name__}")
        return int(size)

    @abstractmethod
    def _load_tokenizer(self) -> Any:
        """Load the tokenizer from ``source`` (offline)."""

    @abstractmethod
    def _load_model(self) -> Any:
        """Load the model from ``source`` (offline); the base moves it to the device and dtype.

        Called inside :func:`~rewardlab.models.runtime.quiet_transformers` (offline, no progress bars).
        """

    # ---- rendering ----------------------------------------------------------------------
    @abstractmethod
    def render(self, sample: Sample | dict[str, Any]) -> RenderedSample:
        """The sample as model input: context (chat template included) and completion."""

    def render_many(self, samples: Sequence[Sample | dict[str, Any]]) -> list[RenderedSample]:
        return [self.render(s) for s in samples]

    def check_template(self) -> list[str]:
        """Problems with the chat template for this backbone's rendering (empty: none)."""
        return []

    def _warn_template(self) -> None:
        if self._warned:
            return
        self._warned = True
        for problem in self.check_template():
            warnings.warn(f"backbone '{self.name}': {problem}", TemplateWarning, stacklevel=4)

    # ---- tokenization -------------------------------------------------------------------
    @property
    def fast_tokenizer(self) -> Any:
        """A private copy of the Rust tokenizer with padding and truncation switched off."""
        if self._fast is None:
            backend = getattr(self.tokenizer, "backend_tokenizer", None)
            if backend is None:
                raise TypeError(f"backbone '{self.name}' needs a fast (Rust) tokenizer; {self.source} has none")
            from tokenizers import Tokenizer

            fast = Tokenizer.from_str(backend.to_str())
            fast.no_padding()
            fast.no_truncation()
            self._fast = fast
        return self._fast

    @property
    def pad_token_id(self) -> int:
        tok = self.tokenizer
        for candidate in (tok.pad_token_id, getattr(tok, "eos_token_id", None), 0):
            if isinstance(candidate, int):
                return candidate
        return 0  # pragma: no cover

    def num_special_tokens(self) -> int:
        processor = self.fast_tokenizer.post_processor
        if not self.add_special_tokens or processor is None:
            return 0
        return int(processor.num_special_tokens_to_add(True))

    def encode(self, rendered: Sequence[RenderedSample], max_length: int | None = None) -> list[EncodedSample]:
        """Token ids of rendered samples, truncated to ``max_length`` (default: the backbone's)."""
        if not rendered:
            return []
        limit = max_length or self.max_length
        fast = self.fast_tokenizer
        prompts = fast.encode_batch([r.prompt for r in rendered], add_special_tokens=False)
        completions = fast.encode_batch([r.completion for r in rendered], add_special_tokens=False)
        budget = limit - self.num_special_tokens()
        out = []
        for p, c in zip(prompts, completions, strict=True):
            keep_p, keep_c = truncation_budget(prompt_len=len(p.ids), completion_len=len(c.ids), budget=budget)
            truncated = keep_p < len(p.ids) or keep_c < len(c.ids)
            if keep_p < len(p.ids):
                p.truncate(keep_p, direction="left")
            if keep_c < len(c.ids):
                c.truncate(keep_c, direction="right")
            out.append(self._assemble(p, c, truncated))
        return out

    def _assemble(self, prompt: Any, completion: Any, truncated: bool) -> EncodedSample:
        """Join the two encodings, adding the tokenizer's special tokens when ``add_special_tokens``."""
        processor = self.fast_tokenizer.post_processor
        if self.add_special_tokens and processor is not None:
            if len(prompt.ids) == 0:
                joined = processor.process(completion, None, add_special_tokens=True)
                seq = list(joined.sequence_ids)
                start = seq.index(0) if 0 in seq else 0
                end = len(seq) - seq[::-1].index(0) if 0 in seq else start
            else:
                joined = processor.process(prompt, completion, add_special_tokens=True)
                seq = list(joined.sequence_ids)
                start = seq.index(1) if 1 in seq else len(seq)
                end = len(seq) - seq[::-1].index(1) if 1 in seq else start
            return EncodedSample(
                input_ids=list(joined.ids),
                token_type_ids=list(joined.type_ids),
                completion_start=start,
                completion_end=end,
                truncated=truncated,
            )
        ids = list(prompt.ids) + list(completion.ids)
        return EncodedSample(
            input_ids=ids,
            token_type_ids=None,
            completion_start=len(prompt.ids),
            completion_end=len(ids),
            truncated=truncated,
        )

    def completion_mask(self, encoded: Sequence[EncodedSample]) -> torch.Tensor:
        """``[batch, width]`` mask of the completion tokens of right-padded ``encoded`` samples.

        A sample whose completion has no tokens gets its whole unpadded input marked instead,
        so that pooling over the completion always has something to average.
        """
        import torch

        width = max(len(e) for e in encoded)
        mask = torch.zeros((len(encoded), width), dtype=torch.long)
        for i, e in enumerate(encoded):
            if e.completion_end > e.completion_start:
                mask[i, e.completion_start : e.completion_end] = 1
            else:
                mask[i, : len(e)] = 1
        return mask.to(self.device)

    def collate(self, encoded: Sequence[EncodedSample]) -> dict[str, torch.Tensor]:
        """A right-padded batch on the device: ``input_ids``, ``attention_mask`` (+ ``token_type_ids``)."""
        import torch

        width = max(len(e) for e in encoded)
        pad = self.pad_token_id
        ids = torch.full((len(encoded), width), pad, dtype=torch.long)
        mask = torch.zeros((len(encoded), width), dtype=torch.long)
        types = torch.zeros((len(encoded), width), dtype=torch.long) if self.uses_token_type_ids else None
        for i, e in enumerate(encoded):
            n = len(e)
            ids[i, :n] = torch.tensor(e.input_ids, dtype=torch.long)
            mask[i, :n] = 1
            if types is not None and e.token_type_ids is not None:
                types[i, :n] = torch.tensor(e.token_type_ids, dtype=torch.long)
        batch = {"input_ids": ids.to(self.device), "attention_mask": mask.to(self.device)}
        if types is not None:
            batch["token_type_ids"] = types.to(self.device)
        return batch

    @property
    def uses_token_type_ids(self) -> bool:
        return self.add_special_tokens and "token_type_ids" in getattr(self.tokenizer, "model_input_names", ())

    # ---- features -----------------------------------------------------------------------
    def base_model(self, model: Any = None) -> Any:
        """The transformer body without task heads (the LM head of a causal LM is skipped)."""
        model = self.model if model is None else model
        return getattr(model, "base_model", model)

    def hidden_states(self, batch: dict[str, torch.Tensor], model: Any = None) -> torch.Tensor:
        """Last hidden states ``[batch, tokens, hidden]`` of the transformer body."""
        body = self.base_model(model)
        out = body(**batch, use_cache=False) if self.kind == "causal_lm" else body(**batch)
        return out.last_hidden_state if hasattr(out, "last_hidden_state") else out[0]

    @staticmethod
    def pool(
        hidden: torch.Tensor,
        attention_mask: torch.Tensor,
        pooling: Pooling,
        completion_mask: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """One vector per sequence: ``mean`` of unpadded tokens, ``last`` unpadded token, ``cls`` (first),
        or ``completion_mean``: the mean over the completion's tokens (needs ``completion_mask``)."""
        import torch

        if pooling in ("mean", "completion_mean"):
            mask = attention_mask
            if pooling == "completion_mean":
                if completion_mask is None:
                    raise ValueError("pooling 'completion_mean' needs the completion mask (Backbone.completion_mask)")
                mask = completion_mask * attention_mask
            weights = mask.to(hidden.dtype).unsqueeze(-1)
            return (hidden * weights).sum(dim=1) / weights.sum(dim=1).clamp(min=1.0)
        if pooling == "last":
            last = attention_mask.sum(dim=1).clamp(min=1) - 1
            return hidden[torch.arange(hidden.shape[0], device=hidden.device), last]
        if pooling == "cls":
            return hidden[:, 0]
        raise ValueError(f"unknown pooling '{pooling}'; expected 'mean', 'last', 'cls' or 'completion_mean'")

    def features(
        self,
        batch: dict[str, torch.Tensor],
        pooling: Pooling | None = None,
        model: Any = None,
        completion_mask: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """Pooled features ``[batch, hidden]`` of a collated batch."""
        hidden = self.hidden_states(batch, model)
        return self.pool(hidden, batch["attention_mask"], pooling or self.default_pooling, completion_mask)

    def embed(
        self, encoded: Sequence[EncodedSample], pooling: Pooling | None = None, model: Any = None
    ) -> torch.Tensor:
        """Pooled features of encoded samples in one batch (collated, with the completion mask when needed)."""
        pooling = pooling or self.default_pooling
        mask = self.completion_mask(encoded) if pooling == "completion_mean" else None
        return self.features(self.collate(encoded), pooling, model=model, completion_mask=mask)

    # ---- persistence --------------------------------------------------------------------
    def save(self, directory: str | Path, model: Any = None) -> Path:
        """Save the model (safetensors) and tokenizer as a Hugging Face folder loadable by this class."""
        path = Path(directory)
        path.mkdir(parents=True, exist_ok=True)
        with quiet_transformers():
            (model if model is not None else self.model).save_pretrained(path)
            self.tokenizer.save_pretrained(path)
        return path
