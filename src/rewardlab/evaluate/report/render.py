"""The standalone HTML report of a run: built from its ``summary.json`` and ``samples.jsonl``.

``render_report(summary, rows)`` is the HTML of ``report.html``: a header (run, reward, data, headline numbers),
the kind's sections (tables and plots, :mod:`.sections`), what failed, and the parameters.
Plots are PNGs embedded as data URIs and the CSS is inline, so the file opens offline. Every plot
is an ``<img data-plot=NAME>``; ``<body data-plots=...>`` lists the names the page should show.
:func:`rewardlab.evaluate.runs.rundir.build_report` writes it into a run directory; ``rewardlab report
RUN`` rebuilds it at any time (e.g. after an upgrade).
"""

from __future__ import annotations

import html
import json
import os
from typing import Any

from .page import Page, fmt, pct
from .sections import SECTIONS

__all__ = ["render_report"]

_CSS = """
body{font-family:-apple-system,BlinkMacSystemFont,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;margin:0;
 color:#1d2433;background:#f6f7f9}
main{max-width:1100px;margin:0 auto;padding:24px}
h1{font-size:1.5em;margin:0 0 4px}h2{font-size:1.2em;margin:28px 0 8px;border-bottom:1px solid #d8dce3;
 padding-bottom:4px}h3{font-size:1.02em;margin:18px 0 6px}
.meta{color:#5b6475;font-size:.9em}.meta code{background:#eceff3;padding:1px 4px;border-radius:3px}
.cards{display:flex;flex-wrap:wrap;gap:10px;margin:16px 0}
.card{background:#fff;border:1px solid #d8dce3;border-radius:6px;padding:8px 12px;min-width:120px}
.card .v{font-size:1.35em;font-weight:600}.card .k{color:#5b6475;font-size:.8em}
table{border-collapse:collapse;background:#fff;margin:6px 0 12px;font-size:.9em}
th,td{border:1px solid #d8dce3;padding:4px 8px;text-align:left}th{background:#eef1f5}
td.n{text-align:right;font-variant-numeric:tabular-nums}
figure{background:#fff;border:1px solid #d8dce3;border-radius:6px;padding:8px;margin:10px 0;display:inline-block}
figure img{max-width:100%;height:auto;display:block}figcaption{color:#5b6475;font-size:.85em;margin-top:4px}
.note{color:#5b6475;font-size:.88em;max-width:900px}.warn{color:#a4260c}
pre{background:#fff;border:1px solid #d8dce3;padding:8px;overflow:auto;font-size:.8em}
"""


# Headline numbers shown x100 in the cards, as the kind's tables and plots show them.
_X100_KEYS: dict[str, tuple[str, ...]] = {
    "prefs": ("accuracy", "ci_low", "ci_high", "longer_wins", "shorter_wins", "rewardbench_v1"),
    "bon": ("gold@", "random", "oracle@", "longest@", "gain_over_random@"),
    "robustness": ("accuracy", "mean_consistency", "worst_consistency", "largest_accuracy_drop"),
    "agreement": ("agreement",),
}


def _x100(kind: str | None, key: str) -> bool:
    keys = _X100_KEYS.get(str(kind), ())
    return any(key == k or (k.endswith("@") and key.startswith(k)) for k in keys)


def _cards(headline: dict[str, Any], kind: str | None = None) -> str:
    """The headline numbers; fractions the kind's tables show x100 are x100 here too (labelled so)."""
    out = []
    for key, value in headline.items():
        label = key
        if isinstance(value, (int, float)) and not isinstance(value, bool) and _x100(kind, key):
            shown = pct(value, 2)
            label = f"{key} x100"
        else:
            shown = fmt(value, 4) if isinstance(value, float) else html.escape(fmt(value))
        out.append(f'<div class="card"><div class="v">{shown}</div><div class="k">{html.escape(label)}</div></div>')
    return '<div class="cards">' + "".join(out) + "</div>"


def _header(summary: dict[str, Any]) -> str:
    reward = summary.get("reward") or {}
    data = summary.get("data") or {}
    title = f"{summary.get('kind', 'run')}: {reward.get('name', '?')}"
    bits = [
        f"run <code>{html.escape(str(summary.get('run_id')))}</code>",
        f"created {html.escape(str(summary.get('created_at')))}",
        f"rewardlab {html.escape(str(summary.get('rewardlab_version')))}",
    ]
    if reward.get("spec_hash"):
        bits.append(f"spec <code>{html.escape(str(reward['spec_hash']))}</code>")
    if data.get("path"):
        bits.append(f"data <code>{html.escape(os.path.basename(str(data['path'])))}</code>")
    if summary.get("elapsed_s") is not None:
        bits.append(f"{summary['elapsed_s']} s")
    return f"<h1>{html.escape(title)}</h1><div class='meta'>{' &middot; '.join(bits)}</div>"


def _failures(page: Page, failures: dict[str, Any]) -> None:
    page.h2("Failures")
    blocks = failures if "status_counts" not in failures else {"reward": failures}
    for name, block in blocks.items():
        if not isinstance(block, dict) or "status_counts" not in block:
            continue
        counts = block["status_counts"]
        page.table(
            ["reward", *counts.keys()],
            [[name, *counts.values()]],
        )
        if block.get("top_errors"):
            page.table(["error", "samples"], [[e["error"], e["count"]] for e in block["top_errors"]])
    page.note(
        "Failed samples (status error or timeout) have no score: they are left out of every number above and "
        "counted here, never read as 0."
    )


def render_report(summary: dict[str, Any], rows: list[dict[str, Any]]) -> str:
    """The report's HTML for a run's summary and sample rows."""
    page = Page()
    kind = summary.get("kind")
    section = SECTIONS.get(str(kind))
    if section is None:
        page.note(f"no report section for run kind {kind!r}", warn=True)
    else:
        section(page, summary, rows)
    _failures(page, summary.get("failures") or {})
    page.h2("Parameters")
    details = {k: summary.get(k) for k in ("params", "data", "reward")}
    page.raw(
        "<details><summary>parameters, data and the reward's spec</summary><pre>"
        + html.escape(json.dumps(details, indent=2, default=str))
        + "</pre></details>"
    )
    plots = html.escape(",".join(page.plots), quote=True)
    title = html.escape(f"rewardlab {kind} report: {(summary.get('reward') or {}).get('name', '')}")
    cards = _cards(summary.get("headline") or {}, summary.get("kind"))
    return (
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{title}</title><style>{_CSS}</style></head>"
        f'<body data-plots="{plots}"><main>{_header(summary)}{cards}'
        + "\n".join(page.parts)
        + "</main></body></html>\n"
    )
