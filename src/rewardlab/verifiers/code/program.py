"""From a completion to the program that is tested: fenced-block extraction and prompt joining.

>>> extract_code("Here you go:\\n```python\\ndef f():\\n    return 1\\n```\\nDone.", "auto")
'def f():\\n    return 1\\n'
>>> extract_code("    return x + 1\\n", "auto")
'    return x + 1\\n'
>>> build_program("def inc(x):\\n    '''Add one.'''\\n", "    return x + 1\\n", include_prompt="auto")
"def inc(x):\\n    '''Add one.'''\\n    return x + 1\\n"
>>> build_program("Write inc(x).", "def inc(x):\\n    return x + 1\\n", include_prompt="auto")
'def inc(x):\\n    return x + 1\\n'
"""

from __future__ import annotations

import functools
import re
from typing import Literal

__all__ = ["ExtractMode", "PromptMode", "build_program", "extract_code", "prompt_is_code"]

ExtractMode = Literal["auto", "fenced", "none"]
BlockPick = Literal["last", "first", "all"]
PromptMode = Literal["auto", "always", "never"]

_FENCE = re.compile(r"^[ \t]*(`{3,}|~{3,})[ \t]*([\w+.-]*)[^\n]*\n(.*?)^[ \t]*\1[ \t]*$", re.M | re.S)
_PYTHON_TAGS = {"", "python", "py", "python3", "py3"}


def fenced_blocks(text: str) -> list[str]:
    """The bodies of the fenced code blocks tagged python (or untagged), in order."""
    return [m.group(3) for m in _FENCE.finditer(text) if m.group(2).lower() in _PYTHON_TAGS]


def extract_code(completion: str, mode: ExtractMode = "auto", block: BlockPick = "last") -> str | None:
    """The program text in a completion.

    ``auto``: the fenced python block(s) when there are any, else the whole completion;
    ``fenced``: only fenced blocks (``None`` when there is none); ``none``: the completion as is.
    ``block`` picks among several blocks: ``last`` (the final answer), ``first``, or ``all`` joined.
    """
    if mode == "none":
        return completion
    blocks = fenced_blocks(completion)
    if not blocks:
        if mode == "fenced":
            return None
        # An unterminated block at the end (the model ran out of tokens after the code)?
        start = re.search(r"^[ \t]*```[ \t]*(python|py|python3)?[ \t]*\n", completion, re.M)
        if start is not None and mode == "auto" and "```" not in completion[start.end() :]:
            return completion[start.end() :]
        return completion
    if block == "first":
        return blocks[0]
    if block == "all":
        return "\n".join(blocks)
    return blocks[-1]


@functools.lru_cache(maxsize=1024)  # RL scores many completions of each prompt
def prompt_is_code(prompt: str) -> bool:
    """Whether a text prompt is itself Python (HumanEval: a signature and a docstring)."""
    if not prompt.strip():
        return False
    try:
        compile(prompt, "<prompt>", "exec", dont_inherit=True)
    except (SyntaxError, ValueError):
        return False
    return "def " in prompt or "class " in prompt or "import " in prompt


def build_program(prompt: str, code: str, include_prompt: PromptMode = "auto") -> str:
    """The program to test: ``prompt + code`` for a code prompt (HumanEval continuation; a full
    function in the completion simply redefines the prompt's stub), else the code alone."""
    use_prompt = include_prompt == "always" or (include_prompt == "auto" and prompt_is_code(prompt))
    if not use_prompt:
        return code
    if prompt and not prompt.endswith("\n"):
        prompt += "\n"
    if code.startswith((" ", "\t")) or not code.strip():
        return prompt + code  # a function body that continues the prompt
    return prompt + "\n" + code
