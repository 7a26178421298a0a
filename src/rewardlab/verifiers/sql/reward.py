"""The ``sql`` reward: execute the predicted and the gold query on the sample's SQLite database."""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any, ClassVar, Literal

from pydantic import Field, model_validator

from ...core.context import ScoreContext
from ...core.errors import NotApplicable
from ...core.example import Example
from ...core.registry import register
from ...core.result import RewardResult
from ...core.reward import Reward
from ...core.sample import Sample
from .analysis import SqlAnalysis, analyze_sql, schema_jaccard
from .compare import same_result
from .database import DatabaseSource, resolve_database
from .execute import QueryOutcome, run_query
from .extract import SqlExtract, extract_sql

__all__ = ["Sql"]

_SYNTAX_ERRORS = ("syntax error", "incomplete input", "unrecognized token")


class _GoldCache:
    """Gold results by (database content, gold query, limits): completions of one prompt share them."""

    def __init__(self, size: int = 512) -> None:
        self.size = size
        self._items: OrderedDict[tuple[Any, ...], QueryOutcome] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[Any, ...]) -> QueryOutcome | None:
        with self._lock:
            hit = self._items.get(key)
            if hit is not None:
                self._items.move_to_end(key)
            return hit

    def put(self, key: tuple[Any, ...], value: QueryOutcome) -> None:
        with self._lock:
            self._items[key] = value
            while len(self._items) > self.size:
                self._items.popitem(last=False)


_GOLD = _GoldCache()


@register("sql", aliases=("text2sql", "execution_match"), family="verifier")
class Sql(Reward):
    """Text-to-SQL reward: 1.0 when the predicted query returns the gold query's result on the sample's database.

    Reads ``db`` (a SQLite file path, opened read-only, or inline ``CREATE TABLE ...;
    INSERT ...;`` SQL built in memory; or ``{"path": ...}`` / ``{"sql": ...}``) and
    ``gold_sql``. The query is the last ```sql fenced block of the completion, else its
    ``<answer>`` tag, else the whole completion (``extract``). Both queries run read-only
    (``mode=ro``, ``PRAGMA query_only``, and an authorizer that denies every write, ATTACH,
    PRAGMA and ``load_extension``) under a time limit (SQLite's progress handler: safe in any
    thread) and a row limit. A query that writes, or several statements, is refused before it
    runs. Results are compared as multisets of rows (``order: strict`` compares in order;
    ``auto`` does when the gold query has a top-level ORDER BY); floats are compared to
    ``float_digits`` places.

    Components (Reasoning-SQL, Pourreza et al. 2025): ``<name>.execution`` (results match),
    ``<name>.syntax`` (the query parses with sqlglot and SQLite reports no syntax error) and
    ``<name>.schema_linking`` (Jaccard similarity of the tables and columns used by the
    predicted and the gold query). The score is their weighted mean with ``execution_weight``,
    ``syntax_weight`` and ``schema_weight``; the defaults (1, 0, 0) pay execution only, so a
    syntactically valid query over the right tables earns nothing unless it is right. Set e.g.
    ``syntax_weight: 0.1, schema_weight: 0.2`` for partial credit.

    >>> db = "CREATE TABLE singer(name TEXT, country TEXT); INSERT INTO singer VALUES ('Ann','FR'), ('Bo','ES');"
    >>> r = Sql().score({"completion": "```sql\\nSELECT name FROM singer WHERE country = 'FR'\\n```",
    ...                  "db": db, "gold_sql": "SELECT name FROM singer WHERE country='FR'"})
    >>> r.score, r.components["sql.schema_linking"]
    (1.0, 1.0)
    >>> Sql().score({"completion": "DROP TABLE singer", "db": db, "gold_sql": "SELECT 1"}).info["reason"]
    'refused: the query writes (DROP); only reads are allowed'
    """

    reads: ClassVar[tuple[str, ...]] = ("completion", "db", "gold_sql")
    example: ClassVar[Example] = Example(
        sample={
            "completion": "SELECT a FROM t",
            "db": "CREATE TABLE t(a); INSERT INTO t VALUES (1);",
            "gold_sql": "SELECT a FROM t",
        },
        score=1.0,
    )

    db_field: str = Field(default="db", description="Sample field with the database (file path or inline SQL).")
    gold_field: str = Field(default="gold_sql", description="Sample field with the gold query.")
    db_root: str | None = Field(default=None, description="Directory that relative database paths resolve against.")
    extract: SqlExtract = Field(default="auto", description="Where the query is: auto, sql_fence, answer_tag or whole.")
    order: Literal["ignore", "strict", "auto"] = Field(
        default="ignore", description="Row order: ignore (multisets), strict, or auto (strict if gold has ORDER BY)."
    )
    float_digits: int | None = Field(default=6, ge=0, description="Round floats to this many places before comparing.")
    timeout_s: float = Field(default=5.0, gt=0, description="Time limit of each query, in seconds.")
    max_rows: int = Field(default=100_000, gt=0, description="Row limit; a larger predicted result does not match.")
    max_sql_chars: int = Field(default=100_000, gt=0, description="Longer predicted queries earn 0.")
    execution_weight: float = Field(default=1.0, ge=0, description="Weight of the execution match component.")
    syntax_weight: float = Field(default=0.0, ge=0, description="Weight of the syntax component (partial credit).")
    schema_weight: float = Field(default=0.0, ge=0, description="Weight of the schema-linking component.")

    @model_validator(mode="after")
    def _check(self) -> Sql:
        if self.execution_weight + self.syntax_weight + self.schema_weight <= 0:
            raise ValueError("at least one of execution_weight, syntax_weight, schema_weight must be positive")
        return self

    # ---- references ------------------------------------------------------------------
    def _references(self, sample: Sample) -> tuple[DatabaseSource, str, SqlAnalysis, QueryOutcome]:
        gold = sample.get(self.gold_field)
        if gold is None:
            raise NotApplicable(f"the sample has no gold query in field '{self.gold_field}'")
        if not isinstance(gold, str) or not gold.strip():
            raise ValueError(f"field '{self.gold_field}': expected a SQL query, got {type(gold).__name__}")
        raw_db = sample.get(self.db_field)
        if raw_db is None:
            raise NotApplicable(f"the sample has no database in field '{self.db_field}'")
        db = resolve_database(raw_db, root=self.db_root, field=self.db_field)
        gold_sql, _ = extract_sql(gold, "whole")
        assert gold_sql is not None
        gold_analysis = analyze_sql(gold_sql)
        if gold_analysis.problem and not gold_analysis.read_only and gold_analysis.parses:
            raise ValueError(f"field '{self.gold_field}': {gold_analysis.problem}")
        key = (db.key, gold_sql, self.timeout_s, self.max_rows)
        outcome = _GOLD.get(key)
        if outcome is None:
            outcome = run_query(db, gold_sql, timeout_s=self.timeout_s, max_rows=self.max_rows)
            if outcome.error is not None:
                raise ValueError(
                    f"field '{self.gold_field}': the gold query failed on {db.describe()}: {outcome.error}"
                )
            if outcome.truncated:
                raise ValueError(
                    f"field '{self.gold_field}': the gold result has more than max_rows={self.max_rows} rows"
                )
            _GOLD.put(key, outcome)
        return db, gold_sql, gold_analysis, outcome

    # ---- scoring -----------------------------------------------------------------------
    def _result(self, execution: float, syntax: float, schema: float, info: dict[str, Any]) -> RewardResult:
        weights = (self.execution_weight, self.syntax_weight, self.schema_weight)
        score = (weights[0] * execution + weights[1] * syntax + weights[2] * schema) / sum(weights)
        parts = {"execution": execution, "syntax": syntax, "schema_linking": schema}
        return RewardResult.ok_with_parts(self.label, score, parts, info=info)

    def _score_one(self, sample: Sample, ctx: ScoreContext) -> Any:
        db, _gold_sql, gold_analysis, gold = self._references(sample)
        predicted, where = extract_sql(sample.completion_text, self.extract)
        info: dict[str, Any] = {"extracted_from": where}
        if not predicted:
            info["reason"] = "no SQL query found"
            return self._result(0.0, 0.0, 0.0, info)
        info["sql"] = predicted[:500]
        if len(predicted) > self.max_sql_chars:
            info["reason"] = f"query too long ({len(predicted)} characters > {self.max_sql_chars})"
            return self._result(0.0, 0.0, 0.0, info)
        analysis = analyze_sql(predicted)
        if analysis.parses and analysis.problem:
            info["reason"] = f"refused: {analysis.problem}"
            return self._result(0.0, 0.0, 0.0, info)
        schema = schema_jaccard(analysis, gold_analysis) if analysis.parses else 0.0
        outcome = run_query(db, predicted, timeout_s=self.timeout_s, max_rows=self.max_rows)
        info["seconds"] = round(outcome.seconds, 4)
        syntax = 1.0 if analysis.parses else 0.0
        if outcome.error is not None:
            info["reason"] = f"the query failed: {outcome.error}"
            if outcome.timed_out:
                info["timed_out"] = True
            if any(s in outcome.error for s in _SYNTAX_ERRORS):
                syntax = 0.0
            return self._result(0.0, syntax, schema, info)
        if not analysis.parses:
            info["parse_problem"] = analysis.problem
        if outcome.truncated:
            info["reason"] = f"the result has more than max_rows={self.max_rows} rows"
            return self._result(0.0, syntax, schema, info)
        ordered = self.order == "strict" or (self.order == "auto" and gold_analysis.ordered)
        match = same_result(outcome.rows, gold.rows, ordered=ordered, float_digits=self.float_digits)
        info["rows"] = len(outcome.rows)
        info["gold_rows"] = len(gold.rows)
        if not match:
            info["reason"] = "the result differs from the gold result"
        return self._result(1.0 if match else 0.0, syntax, schema, info)
