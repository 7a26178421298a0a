"""Request and response models of the reward server: they validate the JSON and they are the
OpenAPI document (``GET /openapi.json``), so what the document says is what the server does.

``POST /v1/score`` takes samples and returns one :class:`~rewardlab.core.result.RewardResult` per
sample, the same JSON as ``rewardlab score`` and the library. ``POST /get_reward`` speaks
OpenRLHF's remote reward-model contract.

>>> req = ScoreRequest.model_validate({"samples": [{"prompt": "2+2?", "completion": "4", "answer": "4"}]})
>>> req.samples[0].get("answer")
'4'
>>> GetRewardRequest.model_validate({"query": ["q a"], "prompts": ["q"]}).labels is None
True
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from pydantic_core import InitErrorDetails, PydanticCustomError

from ..core.inputs import MAX_DEPTH, find_problem
from ..core.result import RewardResult, Status
from ..core.sample import Sample

__all__ = [
    "ErrorItem",
    "ErrorResponse",
    "GetRewardRequest",
    "GetRewardResponse",
    "HealthResponse",
    "ReadyResponse",
    "ScoreRequest",
    "ScoreResponse",
    "SpecResponse",
]


_JSON_TYPES: dict[str, tuple[tuple[type, ...], str]] = {
    "step": ((int,), "an integer"),
    "timeout_s": ((int, float), "a number"),
    "cache": ((bool,), "true or false"),
}


def check_types(data: Any, fields: dict[str, tuple[tuple[type, ...], str]] = _JSON_TYPES) -> None:
    """What the OpenAPI document says, and no more: pydantic's lax mode would also take ``"30"``
    for a number, ``true`` for an integer and ``0`` for a boolean, which the document calls invalid."""
    if not isinstance(data, dict):
        return
    lines = []
    for name, (types, expected) in fields.items():
        value = data.get(name)
        if value is None:
            continue
        is_bool = isinstance(value, bool)
        if expected == "an integer" and isinstance(value, float) and value.is_integer():
            continue  # 5.0 is an integer to JSON Schema (and to pydantic)
        if not isinstance(value, types) or (is_bool and bool not in types) or (not is_bool and types == (bool,)):
            error = PydanticCustomError(
                "json_type", "expected {expected}, got {got}", {"expected": expected, "got": type(value).__name__}
            )
            lines.append(InitErrorDetails(type=error, loc=(name,), input=value))
    if lines:
        raise ValidationError.from_exception_data("request", lines)


def check_body(model: str, data: Any, skip: tuple[str, ...] = ()) -> Any:
    """Refuse lone surrogates, non-finite numbers and deep nesting anywhere in a request body
    (``skip``: fields whose model checks them itself), with the path of the field."""
    if isinstance(data, dict):
        tree = {k: v for k, v in data.items() if k not in skip} if skip else data
        # The body and its list add two levels above what one sample may nest.
        problem = find_problem(tree, max_depth=MAX_DEPTH + 2, finite=True, levels_above=2)
        if problem is not None:
            error = PydanticCustomError(problem.kind, "{message}", {"message": problem.message})
            raise ValidationError.from_exception_data(model, [InitErrorDetails(type=error, loc=problem.loc, input="")])
    return data


class ScoreRequest(BaseModel):
    """Samples to score with the server's spec."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "samples": [
                        {"prompt": "What is 2+2?", "completion": "<answer>4</answer>", "answer": "4"},
                        {"prompt": "What is 2+2?", "completion": "<answer>5</answer>", "answer": "4"},
                    ],
                    "timeout_s": 30,
                }
            ]
        },
    )

    samples: list[Sample] = Field(
        min_length=1,
        description="The samples: `prompt` (text or chat messages), `completion`, and any reference fields "
        "(`answer`, `tests`, ...). Unknown fields pass through to the rewards.",
    )
    group_key: str | None = Field(
        default=None,
        description="Sample field grouping completions of one prompt (group normalization); "
        "default: the spec's `group_key`, else the prompt.",
    )
    step: int | None = Field(default=None, ge=0, description="Training step, for annealed weights.")
    timeout_s: float | None = Field(
        default=None,
        gt=0,
        le=3600,
        description="Deadline of this request in seconds (also settable with the `X-Request-Timeout` header). "
        "Samples not scored by then get status `timeout`.",
    )
    cache: bool = Field(default=True, description="Use the server's result cache for this request.")

    @model_validator(mode="before")
    @classmethod
    def _check_text(cls, data: Any) -> Any:
        check_types(data)
        return check_body(cls.__name__, data, skip=("samples",))  # each Sample checks itself


class ScoreResponse(BaseModel):
    """One result per sample, in the order of the request."""

    results: list[RewardResult] = Field(description="One result per sample, in order.")
    spec_hash: str = Field(description="Content hash of the spec that produced the results.")
    spec_name: str = Field(description="Name of the spec.")
    elapsed_ms: float = Field(description="Time the server spent on this request.")
    cache_hits: int = Field(default=0, description="How many results came from the cache (`info.cache == 'hit'`).")


class GetRewardRequest(BaseModel):
    """OpenRLHF's remote reward-model request (``--remote_rm_url http://HOST:PORT/get_reward``).

    ``query`` holds the full texts (prompt + response, with the chat template); ``prompts`` the
    prompts, used to cut the response out of each query; ``labels`` the reference of each
    sample (``--label_key``): a string goes to the sample field named by the server's
    ``--label-field`` (``answer``), a JSON object is merged into the sample.
    """

    model_config = ConfigDict(
        extra="allow",
        json_schema_extra={
            "examples": [{"query": ["Q: 2+2? A: 4"], "prompts": ["Q: 2+2? A:"], "labels": ["4"]}],
        },
    )

    query: list[str] = Field(min_length=1, description="Full texts: prompt followed by the response.")
    prompts: list[str] | None = Field(default=None, description="The prompt of each query (same length).")
    labels: list[Any] | None = Field(default=None, description="Reference of each query (same length), or null.")

    @model_validator(mode="before")
    @classmethod
    def _check_text(cls, data: Any) -> Any:
        return check_body(cls.__name__, data)

    @model_validator(mode="after")
    def _same_lengths(self) -> GetRewardRequest:
        n = len(self.query)
        for name in ("prompts", "labels"):
            value = getattr(self, name)
            if value is not None and len(value) != n:
                raise ValueError(f"'{name}' has {len(value)} items but 'query' has {n}: one per query is needed")
        return self


class GetRewardResponse(BaseModel):
    """OpenRLHF's remote reward-model response, plus why any reward is missing.

    Every value is a number (OpenRLHF turns each list into a tensor): a query that could not be
    scored gets the server's ``--on-missing`` value (default 0.0) in ``rewards``, ``scores`` and
    the components of ``extra_logs``, ``extra_logs.rewardlab_missing`` is 1 for it, its
    ``statuses`` entry is ``error``/``timeout``/``not_applicable`` and ``errors`` says why; the
    count is in ``/metrics`` (``rewardlab_filled_total``) and the server log. A spec whose error
    policy is ``default=<value>`` gets that value instead.
    """

    rewards: list[float] = Field(description="The spec's score of each query (used for advantages).")
    scores: list[float] = Field(description="Same as `rewards` (OpenRLHF uses it for dynamic filtering).")
    extra_logs: dict[str, list[float]] = Field(
        description="Every component of the spec, one value per query (logged by OpenRLHF), and "
        "`rewardlab_missing` (1 where the query got no score)."
    )
    statuses: list[Status] = Field(description="Status of each query's result.")
    errors: list[str | None] = Field(description="What went wrong for each failed query, else null.")
    spec_hash: str = Field(description="Content hash of the spec.")


class SpecResponse(BaseModel):
    """The spec this server scores with."""

    name: str
    hash: str = Field(description="Content hash: equal hashes give equal numbers.")
    description: str | None = None
    group_key: str | None = None
    components: list[str] = Field(description="The keys of every result's `components`.")
    batch_dependent: bool = Field(
        description="True when a sample's score depends on the other samples of its request "
        "(group normalization): requests are then scored one by one, never mixed."
    )
    cache: Literal["sample", "request", "off"] = Field(
        description="What the cache stores: per sample, whole requests (batch-dependent specs), or nothing."
    )
    spec: dict[str, Any] = Field(description="The full spec, as YAML/JSON data.")
    reads: list[str] = Field(
        default_factory=list, description="Sample fields the spec reads (references and group keys)."
    )
    references: list[str] = Field(
        default_factory=list,
        description="Reference fields the spec reads besides prompt and completion (e.g. `answer`): a sample "
        "without them is an error for the trainer adapters, never a score of the rest of the spec.",
    )


class HealthResponse(BaseModel):
    status: Literal["ok"] = "ok"


class ReadyResponse(BaseModel):
    ready: bool
    detail: str | None = Field(default=None, description="Why the server is not ready, when it is not.")
    spec_hash: str | None = None


class ErrorItem(BaseModel):
    """One problem with a request, located by its path in the JSON body."""

    loc: list[str | int] = Field(description="Path to the offending field, e.g. ['body', 'samples', 3, 'prompt'].")
    msg: str
    type: str


class ErrorResponse(BaseModel):
    """Every error response of the server (401, 404, 413, 422, 500, 503)."""

    error: str = Field(description="Short kind of error: unauthorized, too_large, invalid_request, overloaded, ...")
    detail: str = Field(description="What was wrong and what to do, for a person.")
    errors: list[ErrorItem] = Field(default_factory=list, description="Field-level problems (422).")
