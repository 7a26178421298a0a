"""The embedded SmolLM2 for the causal-LM, judge, implicit-reward and PRM tests.

The GGUF -> safetensors conversion happens at most once per test session: the first call to
:func:`smollm2` converts into the default rewardlab home (``~/.rewardlab``, empty on a fresh CI
machine) and every later use, including the doctests in ``src/``, finds the copy there. Tests
that write files of their own (judge caches, trained PRMs) use ``tmp_path``.
"""

from __future__ import annotations

import functools
import os
import time
from typing import Any

CONVERSION: dict[str, float] = {}


@functools.lru_cache(maxsize=1)
def smollm2() -> Any:
    """The process-wide SmolLM2 backbone, converted and loaded (timings in CONVERSION)."""
    from rewardlab.models.backbones.causal_lm import (
        convert_gguf,
        converted_gguf_dir,
        is_converted,
        shared_causal_lm,
        smollm2_gguf_file,
    )

    home = os.environ.pop("REWARDLAB_HOME", None)  # the default home: shared with the doctests
    try:
        gguf = smollm2_gguf_file()
        fresh = not is_converted(converted_gguf_dir(gguf))
        started = time.perf_counter()
        convert_gguf(gguf, quiet=True)
        CONVERSION["convert_s" if fresh else "lookup_s"] = time.perf_counter() - started
        backbone = shared_causal_lm("smollm2", device="cpu")
        backbone.model_dir()  # resolved now, in the default home, for the rest of the session
        started = time.perf_counter()
        backbone.model  # noqa: B018  (load the weights now)
        CONVERSION["load_s"] = time.perf_counter() - started
    finally:
        if home is not None:
            os.environ["REWARDLAB_HOME"] = home
    return backbone
