"""The code reward's parameter descriptions say what the sandbox enforces (they are the CLI's and the
server's documentation of each field)."""

from __future__ import annotations

from rewardlab.execution.sandbox.client import SandboxLimits
from rewardlab.verifiers.code import CodeReward


def test_memory_mb_is_the_whole_run_not_one_address_space() -> None:
    text = CodeReward.model_fields["memory_mb"].description or ""
    assert "whole run" in text and "processes together" in text, text
    assert not text.startswith("Address-space limit"), text
    # the sandbox's own documentation of the limit says the same
    assert "all the processes of the run together" in (SandboxLimits.__doc__ or "")
