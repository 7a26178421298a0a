"""What the Hugging Face folder rewards share (``hf_reward_model``, ``hf_prm``): the check that
the folder holds the head they read, the one loaded copy of its model, and the loading options.

The options are ``Annotated`` field types (``max_length: MaxLength = None``), so that each reward
still lists its parameters in its own order.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, ClassVar

from pydantic import Field, PrivateAttr, model_validator

from ..folders import HFTask, hf_config_of
from ..lazy import LazyModelReward

__all__ = ["HFFolderReward", "MaxLength", "Threads"]

MaxLength = Annotated[int | None, Field(ge=8, description="Token limit per input (default: the model's).")]
Threads = Annotated[int | None, Field(ge=1, description="CPU threads for torch (default: this process's share).")]


class HFFolderReward(LazyModelReward):
    """Base of the rewards that read a Hugging Face classification folder (not registered itself).

    A subclass names the head it reads (``hf_task``), what to say when the folder is one of
    rewardlab's own of another type (``folder_hint``), declares the fields ``path``,
    ``max_length``, ``device`` and ``threads``, and checks its other fields against the folder's
    ``config.json`` in :meth:`_check_config`.
    """

    hf_task: ClassVar[HFTask]
    folder_hint: ClassVar[str] = ""

    if TYPE_CHECKING:  # declared by each subclass, in its own field order
        path: str
        max_length: int | None
        device: str
        threads: int | None

    _loaded: Any = PrivateAttr(default=None)
    _model_attrs: ClassVar[tuple[str, ...]] = ("_loaded",)

    @model_validator(mode="after")
    def _check_folder(self) -> HFFolderReward:
        self._check_config(hf_config_of(self.path, self.hf_task, self.folder_hint))
        return self

    def _check_config(self, config: dict[str, Any]) -> None:
        """Raise ``ValueError`` when the reward's fields do not fit the folder's ``config.json``."""

    @property
    def loaded(self) -> Any:
        """The folder's model, tokenizer and config, loaded on first use (one copy per process)."""
        from .loading import shared_hf_model

        return self._load_once(
            "_loaded",
            lambda: shared_hf_model(
                self.path, task=self.hf_task, device=self.device, threads=self.threads, max_length=self.max_length
            ),
        )
