"""Static analysis of a SQL query with sqlglot: does it parse, does it only read, what does it touch.

>>> a = analyze_sql("SELECT s.name FROM singer AS s JOIN concert c ON c.singer_id = s.id ORDER BY s.age")
>>> a.parses, a.read_only, sorted(a.tables), sorted(a.columns), a.ordered
(True, True, ['concert', 'singer'], ['age', 'id', 'name', 'singer_id'], True)
>>> analyze_sql("SELECT 1; DROP TABLE singer").problem
'2 statements; only one query is run'
>>> analyze_sql("UPDATE singer SET age = 1").problem
'the query writes (UPDATE); only reads are allowed'
>>> round(schema_jaccard(analyze_sql("SELECT name FROM singer"), analyze_sql("SELECT name, age FROM singer")), 3)
0.667
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from functools import lru_cache

__all__ = ["SqlAnalysis", "analyze_sql", "schema_jaccard"]


class _DropFallbackWarnings(logging.Filter):
    """sqlglot logs a warning when it parses an unknown statement as a generic command; we
    report such statements ourselves (as refused writes or syntax errors)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "Falling back to parsing as a 'Command'" not in record.getMessage()


_filter_installed = False


def _sqlglot() -> tuple[object, object]:
    global _filter_installed
    try:
        import sqlglot
        from sqlglot import exp
    except ImportError as exc:  # pragma: no cover - sqlglot is in the `verifiers` extra
        raise RuntimeError("the sql reward needs the 'sqlglot' package: pip install 'rewardlab[verifiers]'") from exc
    if not _filter_installed:
        logging.getLogger("sqlglot").addFilter(_DropFallbackWarnings())
        _filter_installed = True
    return sqlglot, exp


@dataclass(frozen=True)
class SqlAnalysis:
    """What sqlglot says about a query."""

    parses: bool
    read_only: bool = False
    problem: str | None = None  # why the query is refused or does not parse
    tables: frozenset[str] = field(default_factory=frozenset)
    columns: frozenset[str] = field(default_factory=frozenset)
    ordered: bool = False  # the outermost query has ORDER BY

    @property
    def schema_items(self) -> frozenset[str]:
        return frozenset({f"table:{t}" for t in self.tables} | {f"column:{c}" for c in self.columns})


@lru_cache(maxsize=4096)
def analyze_sql(sql: str) -> SqlAnalysis:
    """Parse ``sql`` (SQLite dialect) and describe it; never raises on bad SQL."""
    sqlglot, exp = _sqlglot()
    try:
        statements = [s for s in sqlglot.parse(sql, read="sqlite") if s is not None]  # type: ignore[attr-defined]
    except Exception as exc:  # sqlglot.ParseError / TokenError, and recursion on absurd input
        message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return SqlAnalysis(parses=False, problem=f"does not parse: {message[:200]}")
    if not statements:
        return SqlAnalysis(parses=False, problem="no SQL statement")
    if len(statements) > 1:
        return SqlAnalysis(parses=True, problem=f"{len(statements)} statements; only one query is run")
    tree = statements[0]
    writes = _write_kind(tree, exp)
    if writes is not None:
        return SqlAnalysis(parses=True, problem=f"the query writes ({writes}); only reads are allowed")
    if not isinstance(tree, (exp.Select, exp.SetOperation, exp.Subquery)):  # type: ignore[attr-defined]
        kind = type(tree).__name__.upper()
        return SqlAnalysis(parses=True, problem=f"not a query ({kind}); only SELECT statements are run")
    ctes = {c.alias_or_name.lower() for c in tree.find_all(exp.CTE)}  # type: ignore[attr-defined]
    tables = {t.name.lower() for t in tree.find_all(exp.Table) if t.name} - ctes  # type: ignore[attr-defined]
    aliases = {a.alias.lower() for a in tree.find_all(exp.Alias) if a.alias}  # type: ignore[attr-defined]
    columns = {
        c.name.lower()
        for c in tree.find_all(exp.Column)  # type: ignore[attr-defined]
        if c.name and c.name != "*" and not (c.name.lower() in aliases and not c.table)
    }
    ordered = tree.args.get("order") is not None
    return SqlAnalysis(
        parses=True, read_only=True, tables=frozenset(tables), columns=frozenset(columns), ordered=ordered
    )


_WRITE_TYPES = ("Insert", "Update", "Delete", "Drop", "Create", "Alter", "Attach", "Detach", "Pragma", "Merge")


def _write_kind(tree: object, exp: object) -> str | None:
    if type(tree).__name__ == "Command":
        return str(getattr(tree, "this", "command")).upper()
    types = tuple(getattr(exp, n) for n in _WRITE_TYPES if hasattr(exp, n))
    for node in tree.walk():  # type: ignore[attr-defined]
        if isinstance(node, types):
            return type(node).__name__.upper()
        if type(node).__name__ == "Command":
            return str(getattr(node, "this", "command")).upper()
    return None


def schema_jaccard(predicted: SqlAnalysis, gold: SqlAnalysis) -> float:
    """Jaccard similarity of the tables and columns two queries use (1.0 when both use none)."""
    p, g = predicted.schema_items, gold.schema_items
    if not p and not g:
        return 1.0
    return len(p & g) / len(p | g)
