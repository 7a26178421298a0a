"""Reports a person can read (issue 11, point 5): one scale per quantity (cards as the tables,
robustness plots as the table), no ``-0.0000``, readable ticks for a constant reward; ``runs``
keeps run ids whole, says how many it shows and filters by --name; ``compare`` gives a paired
bootstrap interval for B - A."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from rewardlab.cli import app
from rewardlab.evaluate.metrics.compare import paired_bootstrap
from rewardlab.evaluate.report import plots, sections
from rewardlab.evaluate.report.page import Page, fmt, pct
from rewardlab.evaluate.report.render import _cards

from ..runs.test_runs_cli import _pairs

runner = CliRunner()


def _card_values(markup: str) -> dict[str, str]:
    return {k: v for v, k in re.findall(r'<div class="v">([^<]*)</div><div class="k">([^<]*)</div>', markup)}


def test_bon_cards_use_the_tables_scale() -> None:
    headline = {
        "gold@1": 0.3323,
        "gold@11": 0.4012,
        "random": 0.3323,
        "gain_over_random@11": 0.0689,
        "prompts_ranked": 7,
    }
    cards = _card_values(_cards(headline, "bon"))
    assert cards["gold@11 x100"] == "40.12" and cards["random x100"] == "33.23"  # as the table's "mean gold x100"
    assert cards["gain_over_random@11 x100"] == "6.89" and cards["prompts_ranked"] == "7"
    page = Page()
    summary = {
        "reward": {"name": "r"},
        "metrics": {"ns": [11], "k": 11, "table": {"reward": {"11": {"mean": 0.4012, "se": 0.01}}}},
    }
    sections.bon_section(page, summary, [])
    assert "40.12 ± 1.00" in "".join(page.parts)


def test_prefs_and_robustness_cards_are_percentages_and_counts_stay_counts() -> None:
    cards = _card_values(_cards({"accuracy": 0.6512, "pairs": 400, "ece": 0.0712}, "prefs"))
    assert cards == {"accuracy x100": "65.12", "pairs": "400", "ece": "0.0712"}
    robust = _card_values(
        _cards({"accuracy": 0.6, "worst_transform": "upper", "worst_consistency": 0.75}, "robustness")
    )
    assert robust["worst_consistency x100"] == "75.00" and robust["worst_transform"] == "upper"


def test_robustness_plots_use_the_tables_unit(monkeypatch: pytest.MonkeyPatch) -> None:
    drawn: dict[str, Any] = {}

    def capture(labels: Any, series: Any, **kw: Any) -> str:
        drawn[kw["title"]] = (series, kw)
        return "data:image/png;base64,"

    monkeypatch.setattr(plots, "bar_chart", capture)
    t = {
        "target": "response",
        "sides": "both",
        "pairs_changed": 10,
        "n": 10,
        "consistency": 0.9,
        "accuracy_before": 0.6,
        "accuracy_after": 0.5,
        "accuracy_change": -0.1,
        "flipped_to_wrong": 1,
        "flipped_to_right": 0,
        "mean_abs_score_change": 0.25,
        "description": "upper case",
    }
    page = Page()
    sections.robustness_section(
        page, {"metrics": {"base_accuracy": {"accuracy": 0.6, "n": 10}, "transforms": {"upper": t}}}, []
    )
    html = "".join(page.parts)
    assert '<td class="n">90.0</td>' in html and '<td class="n">-10.0</td>' in html  # the table: %
    (consistency, kw_c), (change, kw_a) = drawn.values()
    assert consistency["consistency"] == [pytest.approx(90.0)] and kw_c["hline"] == 100.0 and "%" in kw_c["ylabel"]
    assert change["accuracy change"] == [pytest.approx(-10.0)] and "points" in kw_a["ylabel"]


def test_no_negative_zero() -> None:
    assert fmt(-1e-9) == "0.0000" and pct(-1e-9) == "0.0" and fmt(-0.25) == "-0.2500"
    assert "-0.0000" not in _cards({"gain_over_random@11": -1e-12}, "bon") + _cards({"kappa": -1e-12}, "agreement")


def test_a_constant_reward_gets_readable_ticks() -> None:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    fig, ax = plots._figure()
    ax.scatter([1, 2, 3], [0.7, 0.7, 0.7 + 1e-12])
    plots._readable(ax, xs=[1, 2, 3], ys=[0.7, 0.7, 0.7 + 1e-12])
    FigureCanvasAgg(fig).draw()
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert ax.yaxis.get_offset_text().get_text() == ""  # no "1e-12+7e-1" above the axis
    assert all(len(label) <= 4 for label in labels) and "0.6" in labels and "0.8" in labels
    assert plots.scatter([0.5] * 5, [1.0] * 5, title="t", xlabel="a", ylabel="b").startswith("data:image/png")


def test_runs_keeps_ids_whole_says_what_it_shows_and_filters_by_name(tmp_path: Path) -> None:
    data = _pairs(tmp_path)
    for reward in ("ev_chars", "ev_vowels", "ev_chars"):
        assert (
            runner.invoke(app, ["eval", "prefs", "-r", reward, "--data", str(data), "--bootstrap", "100"]).exit_code
            == 0
        )
    ids = [r["run_id"] for r in json.loads(runner.invoke(app, ["runs", "--json"]).stdout)]
    narrow = runner.invoke(app, ["runs", "--limit", "2"], terminal_width=60, env={"COLUMNS": "60"})
    assert narrow.exit_code == 0
    assert ids[0] in narrow.stdout and ids[1] in narrow.stdout and ids[2] not in narrow.stdout  # one line each
    assert "2 of 3 runs, newest first; --limit 3 shows all" in narrow.output
    named = runner.invoke(app, ["runs", "--name", "VOWEL"])
    assert "1 of 1 run matching --name VOWEL" in named.output and "ev_vowels" in named.stdout


def test_compare_gives_a_paired_bootstrap_interval(tmp_path: Path) -> None:
    data = _pairs(tmp_path)
    a = json.loads(runner.invoke(app, ["eval", "prefs", "-r", "ev_chars", "--data", str(data), "--json"]).stdout)
    flip = ["eval", "prefs", "-r", "ev_chars", "-p", "sign=-1", "--data", str(data), "--json"]
    b = json.loads(runner.invoke(app, flip).stdout)
    out = runner.invoke(app, ["compare", a["run_id"], b["run_id"], "--json", "--bootstrap", "500"])
    paired = json.loads(out.stdout)["paired"]
    assert paired["label"] == "accuracy" and paired["n"] == 5 and paired["delta"] == pytest.approx(-0.2)
    assert paired["ci_low"] <= paired["delta"] <= paired["ci_high"] and paired["level"] == 0.95
    text = runner.invoke(app, ["compare", a["run_id"], b["run_id"]])
    assert "paired bootstrap, B - A on the 5 items both runs scored: accuracy -0.2000 [" in text.stdout


def test_paired_bootstrap_pairs_by_item_not_by_position() -> None:
    rows_a = [{"id": i, "expected_gold": {"4": 0.1 * i}} for i in range(10)]
    rows_b = [{"id": i, "expected_gold": {"4": 0.1 * i + 0.05}} for i in reversed(range(10))]
    d = paired_bootstrap("bon", rows_a, rows_b, n_boot=300)
    assert d is not None and d.label == "gold@4" and d.n == 10
    assert d.delta == pytest.approx(0.05) and d.ci_low == pytest.approx(0.05) and d.ci_high == pytest.approx(0.05)
    assert paired_bootstrap("distance", rows_a, rows_b) is None
