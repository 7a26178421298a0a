"""The `sql` reward: execution match on SQLite files and inline SQL, read-only, time-limited."""

from __future__ import annotations

import hashlib
import sqlite3
import threading
from pathlib import Path

import pytest

from rewardlab.core.result import Status
from rewardlab.verifiers import Sql
from rewardlab.verifiers.sql.analysis import analyze_sql, schema_jaccard
from rewardlab.verifiers.sql.compare import same_result
from rewardlab.verifiers.sql.database import resolve_database
from rewardlab.verifiers.sql.extract import extract_sql

SCRIPT = """
CREATE TABLE singer(id INTEGER PRIMARY KEY, name TEXT, country TEXT, age INTEGER);
CREATE TABLE concert(id INTEGER PRIMARY KEY, singer_id INTEGER, year INTEGER);
INSERT INTO singer VALUES (1, 'Ann', 'France', 30), (2, 'Bo', 'Spain', 40), (3, 'Cy', 'France', 50);
INSERT INTO concert VALUES (1, 1, 2020), (2, 1, 2021), (3, 2, 2021);
"""
GOLD = "SELECT name FROM singer WHERE country = 'France'"


@pytest.fixture
def db_file(tmp_path: Path) -> Path:
    path = tmp_path / "music.sqlite"
    conn = sqlite3.connect(path)
    conn.executescript(SCRIPT)
    conn.commit()
    conn.close()
    return path


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def run(completion: str, db: object, gold: str = GOLD, **params: object):  # type: ignore[no-untyped-def]
    return Sql(**params).score({"completion": completion, "db": db, "gold_sql": gold})


@pytest.mark.parametrize("source", ["file", "inline", "mapping"])
def test_execution_match_on_every_kind_of_database(source: str, db_file: Path) -> None:
    db = {"file": str(db_file), "inline": SCRIPT, "mapping": {"sql": SCRIPT}}[source]
    r = run("```sql\nSELECT s.name FROM singer AS s WHERE s.country = 'France' ORDER BY s.age DESC;\n```", db)
    assert r.score == 1.0
    assert r.components["sql.execution"] == 1.0 and r.components["sql.syntax"] == 1.0
    assert 0 < r.components["sql.schema_linking"] < 1  # an extra column (age) in the ORDER BY
    assert run("SELECT name FROM singer", db).score == 0.0


def test_result_comparison_rules() -> None:
    assert same_result([(1,), (2,)], [(2,), (1,)])
    assert not same_result([(1,), (2,)], [(2,), (1,)], ordered=True)
    assert not same_result([(1,), (1,)], [(1,), (2,)])
    assert not same_result([(1, 2)], [(2, 1)])  # column order matters
    assert same_result([(1.0000001,)], [(1.0,)])
    assert not same_result([(1.0000001,)], [(1.0,)], float_digits=None)
    assert same_result([(1,)], [(1.0,)])


def test_order_modes(db_file: Path) -> None:
    gold = "SELECT name FROM singer ORDER BY age DESC"
    asc = "SELECT name FROM singer ORDER BY age"
    assert run(asc, db_file, gold).score == 1.0  # ignore (the default): multisets
    assert run(asc, db_file, gold, order="strict").score == 0.0
    assert run(asc, db_file, gold, order="auto").score == 0.0  # the gold orders its rows
    assert (
        run("SELECT name FROM singer ORDER BY id DESC", db_file, "SELECT name FROM singer", order="auto").score == 1.0
    )


@pytest.mark.parametrize(
    ("query", "reason"),
    [
        ("DROP TABLE singer", "refused: the query writes (DROP)"),
        ("UPDATE singer SET country = 'France'", "refused: the query writes (UPDATE)"),
        ("DELETE FROM singer", "refused: the query writes (DELETE)"),
        ("INSERT INTO singer VALUES (9, 'X', 'France', 1)", "refused: the query writes (INSERT)"),
        ("WITH d AS (DELETE FROM singer RETURNING *) SELECT * FROM d", "refused: the query writes (DELETE)"),
        ("UPDATE singer SET age = 0; " + GOLD, "refused: 2 statements"),
        ("ATTACH DATABASE 'x.sqlite' AS x", "refused: the query writes (ATTACH)"),
        ("PRAGMA writable_schema = 1", "refused: the query writes (PRAGMA)"),
        ("VACUUM INTO 'copy.sqlite'", "refused: the query writes (VACUUM)"),
        ("CREATE TABLE t(a)", "refused: the query writes (CREATE)"),
    ],
)
def test_writes_are_refused_and_the_file_is_untouched(query: str, reason: str, db_file: Path, tmp_path: Path) -> None:
    before = digest(db_file)
    r = run(query, db_file)
    assert r.score == 0.0 and r.components["sql.syntax"] == 0.0
    assert r.info["reason"].startswith(reason)
    assert digest(db_file) == before
    assert not (tmp_path / "x.sqlite").exists() and not Path("copy.sqlite").exists()
    assert run(GOLD, db_file).score == 1.0


def test_the_authorizer_blocks_what_static_analysis_misses(db_file: Path) -> None:
    from rewardlab.verifiers.sql.execute import run_query

    db = resolve_database(str(db_file))
    assert run_query(db, "DELETE FROM singer").error == "not authorized"
    assert "not authorized" in (run_query(db, "SELECT load_extension('/nonexistent')").error or "")
    assert "too big" in (run_query(db, "SELECT zeroblob(1000000000)").error or "")
    assert run_query(db, "SELECT count(*) FROM singer").rows == [(3,)]


def test_timeouts_do_not_hang_and_work_in_threads(db_file: Path) -> None:
    endless = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c"
    results: list[object] = []

    def work() -> None:
        results.append(run(endless, db_file, timeout_s=0.3))

    threads = [threading.Thread(target=work) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert len(results) == 3
    for r in results:
        assert r.score == 0.0 and r.info["timed_out"] and "timed out after 0.3s" in r.info["reason"]  # type: ignore[attr-defined]
    assert run(GOLD, db_file, timeout_s=0.3).score == 1.0


def test_syntax_schema_components_and_partial_credit(db_file: Path) -> None:
    r = run("SELECT name FROM singer WHERE country = 'Spain'", db_file)
    assert r.components == {"sql": 0.0, "sql.execution": 0.0, "sql.syntax": 1.0, "sql.schema_linking": 1.0}
    partial = run("SELECT name FROM singer WHERE country = 'Spain'", db_file, syntax_weight=0.1, schema_weight=0.2)
    assert partial.score == pytest.approx(0.3 / 1.3)
    bad = run("SELEC name FROM singer", db_file)
    assert bad.components["sql.syntax"] == 0.0 and "syntax error" in bad.info["reason"]
    assert run("SELECT", db_file).components["sql.syntax"] == 0.0  # sqlglot accepts it, SQLite does not
    unknown = run("SELECT nme FROM singer", db_file)
    assert unknown.components["sql.syntax"] == 1.0 and "no such column" in unknown.info["reason"]
    assert run("", db_file).info["reason"] == "no SQL query found"
    assert "too long" in run("SELECT " + "1 + " * 50_000 + "1", db_file).info["reason"]


def test_analysis_and_extraction() -> None:
    a = analyze_sql("SELECT s.name, count(*) AS n FROM singer s JOIN concert c ON c.singer_id = s.id GROUP BY s.name")
    assert a.tables == {"singer", "concert"} and a.columns == {"name", "singer_id", "id"}
    cte = analyze_sql("WITH fr AS (SELECT * FROM singer) SELECT name FROM fr")
    assert cte.tables == {"singer"}
    assert schema_jaccard(analyze_sql("SELECT 1"), analyze_sql("SELECT 2")) == 1.0
    assert extract_sql("```python\nx\n```\n```sql\nSELECT 1\n```\n```sql\nSELECT 2;\n```") == ("SELECT 2", "sql_fence")
    assert extract_sql("<answer>SELECT 1</answer><answer>SELECT 2</answer>")[0] is None
    assert extract_sql("```\nSELECT 3\n```") == ("SELECT 3", "sql_fence")


def test_reference_problems_are_errors_naming_the_field(db_file: Path, tmp_path: Path) -> None:
    r = run(GOLD, str(tmp_path / "missing.sqlite"))
    assert r.status is Status.ERROR and "field 'db': no such database file" in (r.error or "")
    r = run(GOLD, db_file, gold="SELECT nothing FROM nowhere")
    assert r.status is Status.ERROR and "field 'gold_sql': the gold query failed" in (r.error or "")
    r = run(GOLD, "CREATE TABLE broken(")
    assert r.status is Status.ERROR and "inline SQL does not build" in (r.error or "")
    r = run(GOLD, "ATTACH DATABASE 'evil.sqlite' AS e;\nCREATE TABLE e.t(a);")
    assert r.status is Status.ERROR and not Path("evil.sqlite").exists()
    r = run(GOLD, {"path": str(db_file), "sql": SCRIPT})
    assert r.status is Status.ERROR and "exactly one of 'path' or 'sql'" in (r.error or "")
    assert Sql().score({"completion": GOLD, "db": str(db_file)}).status is Status.NOT_APPLICABLE
    assert (
        Sql(db_root=str(db_file.parent)).score({"completion": GOLD, "db": db_file.name, "gold_sql": GOLD}).score == 1.0
    )
