"""The kind-specific sections of a run report: one function per evaluation kind.

Each function gets the page, the run's summary and its sample rows, and adds tables, notes and
plots. Accuracies and gold are shown x100 (percentages / AlpacaEval-style win rates).
"""

from __future__ import annotations

import html
from collections import defaultdict
from collections.abc import Callable
from typing import Any

import numpy as np

from . import plots
from .page import Page, fmt, pct

__all__ = ["SECTIONS"]


def _ci(acc: dict[str, Any]) -> str:
    if acc.get("accuracy") is None:
        return "-"
    return f"{pct(acc['accuracy'])} [{pct(acc['ci_low'])}, {pct(acc['ci_high'])}]"


# ---- prefs ----------------------------------------------------------------------------------
def prefs_section(page: Page, summary: dict[str, Any], rows: list[dict[str, Any]]) -> None:
    m = summary.get("metrics") or {}
    pairs = [r for r in rows if r.get("kind") == "pair"]
    if "accuracy" in m:
        acc = m["accuracy"]
        length = m.get("length") or {}
        page.h2("Preference accuracy")
        conf = round(100 * acc.get("confidence", 0.95))
        page.table(
            ["rule", f"accuracy % [{conf}% CI]", "pairs", "wins", "ties", "losses", "ties as half %", "unscored"],
            [
                [
                    "reward",
                    _ci(acc),
                    acc["n"],
                    acc["wins"],
                    acc["ties"],
                    acc["losses"],
                    pct(acc["accuracy_ties_half"]),
                    acc["unscored"],
                ],
                *[
                    [
                        name,
                        _ci(length[key]),
                        length[key]["n"],
                        length[key]["wins"],
                        length[key]["ties"],
                        length[key]["losses"],
                        pct(length[key]["accuracy_ties_half"]),
                        length[key]["unscored"],
                    ]
                    for key, name in (("longer_wins", "longer answer wins"), ("shorter_wins", "shorter answer wins"))
                    if key in length
                ],
            ],
        )
        page.note(f"Ties: {m.get('tie_rule')}. Confidence intervals: percentile bootstrap over pairs.")
        by_len = length.get("reward_by_length") or {}
        if by_len:
            page.h3("Accuracy by which answer is longer")
            page.table(
                ["pairs where", "reward accuracy % [CI]", "pairs"],
                [
                    ["the chosen answer is longer", _ci(by_len["chosen_longer"]), by_len["chosen_longer"]["n"]],
                    ["the chosen answer is shorter", _ci(by_len["chosen_shorter"]), by_len["chosen_shorter"]["n"]],
                ],
            )
            corr = length.get("score_length_spearman") or {}
            page.note(
                f"Chosen answer longer in {pct(length.get('chosen_longer_fraction'))}% of pairs. Spearman correlation "
                f"of score with length over all responses: {fmt(corr.get('spearman'), 3)} (n={corr.get('n')})."
            )
        _subset_block(page, m)
    _rewardbench_blocks(page, m)
    if pairs:
        chosen = [r["chosen_score"] for r in pairs]
        rejected = [r["rejected_score"] for r in pairs]
        page.h2("Scores")
        stats = m.get("score_stats") or {}
        page.table(
            ["responses", "n", "mean", "std", "min", "max"],
            [[k, s.get("n"), s.get("mean"), s.get("std"), s.get("min"), s.get("max")] for k, s in stats.items()],
        )
        if m.get("mode") == "pairwise":
            page.note(
                f"Pairwise reward: each pair is judged once, the rejected answer in field "
                f"'{m.get('pairwise_field')}'; its score is P(chosen wins), shown as the chosen score (the rejected "
                "score is 1 - P). A tie is P = 1/2."
            )
            page.figure(
                "score_histograms",
                plots.histograms({"P(chosen wins)": chosen}, title="P(chosen wins) per pair", xlabel="probability"),
                "Distribution of the pairwise reward's probability that the chosen answer wins.",
            )
            diffs = [(r["chosen_chars"] - r["rejected_chars"], r["chosen_score"]) for r in pairs]
            pts = [(d, p) for d, p in diffs if p is not None]
            page.figure(
                "length_vs_score",
                plots.scatter(
                    [d for d, _ in pts],
                    [p for _, p in pts],
                    title="Length difference vs P(chosen wins)",
                    xlabel="chosen length - rejected length (characters)",
                    ylabel="P(chosen wins)",
                ),
                "A pairwise reward that favours longer answers rises from left to right.",
            )
        else:
            page.figure(
                "score_histograms",
                plots.histograms(
                    {"chosen": chosen, "rejected": rejected}, title="Scores: chosen vs rejected", xlabel="score"
                ),
                "Distribution of the reward's scores on chosen and rejected responses.",
            )
            page.figure(
                "length_vs_score",
                plots.length_vs_score(
                    {
                        "chosen": ([r["chosen_chars"] for r in pairs], chosen),
                        "rejected": ([r["rejected_chars"] for r in pairs], rejected),
                    },
                    title="Length vs score",
                ),
                "Each response's length (characters, log scale) against its score.",
            )
    cal = m.get("calibration")
    if cal and cal.get("n"):
        page.h2(
            "Calibration of P(chosen wins)"
            if m.get("mode") == "pairwise"
            else "Calibration of sigma(r_chosen - r_rejected)"
        )
        page.table(
            ["ECE", "Brier", "log loss", "pairs", "scale"],
            [[cal["ece"], cal["brier"], cal["log_loss"], cal["n"], cal["scale"]]],
            numeric_from=0,
        )
        page.figure(
            "reliability_diagram",
            plots.reliability_diagram(cal["bins"], title="Reliability diagram"),
            "Accuracy against confidence max(p, 1-p) per bin (numbers: pairs per bin); on the diagonal = calibrated.",
        )


def _subset_block(page: Page, m: dict[str, Any]) -> None:
    acc = m["accuracy"]
    length = m.get("length") or {}
    subsets = m.get("subsets") or {}
    sub_len = length.get("subsets") or {}
    names = list(subsets) or ["all"]
    reward = [subsets[n]["accuracy"] if subsets else acc["accuracy"] for n in names]
    lows = [subsets[n]["ci_low"] if subsets else acc["ci_low"] for n in names]
    highs = [subsets[n]["ci_high"] if subsets else acc["ci_high"] for n in names]
    longer = [
        (sub_len.get(n) or {}).get("longer_wins") if subsets else length["longer_wins"]["accuracy"] for n in names
    ]
    shorter = [
        (sub_len.get(n) or {}).get("shorter_wins") if subsets else length["shorter_wins"]["accuracy"] for n in names
    ]
    if subsets:
        page.h2("Per subset")
        page.table(
            ["subset", "accuracy % [CI]", "pairs", "ties", "unscored", "longer wins %", "shorter wins %"],
            [
                [
                    n,
                    _ci(subsets[n]),
                    subsets[n]["n"],
                    subsets[n]["ties"],
                    subsets[n]["unscored"],
                    pct(longer[i]),
                    pct(shorter[i]),
                ]
                for i, n in enumerate(names)
            ],
        )
    page.figure(
        "subset_accuracy",
        plots.bar_chart(
            names,
            {"reward": reward, "longer wins": longer, "shorter wins": shorter},
            errors={"reward": (lows, highs)},
            title="Accuracy per subset (whiskers: reward's CI)",
            ylabel="accuracy",
            hline=0.5,
            hline_label="chance",
            horizontal=len(names) > 6,
        ),
        "The reward's accuracy per subset beside the length baselines on the same pairs.",
    )


def _rewardbench_blocks(page: Page, m: dict[str, Any]) -> None:
    rb1 = m.get("rewardbench_v1")
    if rb1:
        page.h2("RewardBench v1")
        rows = [[name, pct(value)] for name, value in rb1["sections"].items()]
        rows.append(["Prior Sets (0.5 weight)", pct(rb1.get("prior_sets"))])
        rows.append(["overall", pct(rb1.get("overall"))])
        page.table(["section", "score %"], rows)
        page.note(
            "Sections weight their subsets by RewardBench's EXAMPLE_COUNTS (math-prm weighted 984 so that math "
            "and code are half of Reasoning each); the overall score weights the sections 2 and Prior Sets 1, "
            f"leaving out missing ones. Subsets used: {', '.join(rb1.get('subsets_used') or []) or '-'}."
        )
    rb2 = m.get("rewardbench_v2")
    if rb2:
        page.h2("RewardBench v2")
        rows = [[name, pct(s["score"]), s.get("n")] for name, s in (rb2.get("subsets") or {}).items()]
        rows.append(["overall (mean of subsets)", pct(rb2.get("overall")), rb2.get("n_scored")])
        page.table(["subset", "score %", "prompts"], rows)
        ties = next((s for name, s in (rb2.get("subsets") or {}).items() if name.lower() == "ties"), None)
        if ties:
            page.table(
                ["Ties part", "value"],
                [
                    [k, ties[k]]
                    for k in (
                        "tied_accuracy",
                        "ref_accuracy",
                        "correctness_preferred",
                        "correctness_preferred_hard",
                        "margin_score",
                    )
                ],
            )
        page.note(
            "Best-of-4: 1/k when the correct answer has the top score shared by k answers, else 0. Ties: "
            "0.30 tied accuracy + 0.30 reference accuracy + 0.20 correctness preferred + 0.20 correctness preferred "
            f"(hard) + 0.01 margin score. Items not fully scored: {rb2.get('n_unscored', 0)}."
        )


# ---- bon ------------------------------------------------------------------------------------
def _pm(entry: dict[str, Any] | None) -> str:
    if not entry or entry.get("mean") is None:
        return "-"
    return f"{100 * entry['mean']:.2f} ± {100 * (entry.get('se') or 0):.2f}"


def bon_section(page: Page, summary: dict[str, Any], rows: list[dict[str, Any]]) -> None:
    m = summary.get("metrics") or {}
    table = m.get("table") or {}
    ns = [str(n) for n in m.get("ns", [])]
    k = m.get("k")
    page.h2(f"Best-of-N: expected gold x100 of the pick (candidates with gold: {k})")
    base = table.get("baselines_ranked_prompts") or table.get("baselines_all_prompts") or {}
    rows_out = [[f"reward ({summary['reward'].get('name')})", *[_pm(table["reward"].get(n)) for n in ns]]]
    rows_out += [[rule, *[_pm(v.get(n)) for n in ns]] for rule, v in base.items()]
    page.table(["selection rule", *[f"N={n}" for n in ns]], rows_out)
    page.note(
        f"Exact expectation over all N-subsets of the {k} candidates with gold (C(j-1, N-1)/C({k}, N) for the j-th "
        f"ranked), mean ± s.e. over {m.get('prompts_ranked')} prompts. The reward's ties are broken "
        f"{'uniformly at random (exact average)' if m.get('tie_break') == 'random' else 'by lowest index'}; the "
        "length baselines break ties by lowest index, as the published anchors do."
    )
    if m.get("prompts_unranked"):
        page.note(
            f"{m['prompts_unranked']} prompt(s) left out of the reward's numbers: the reward did not score every "
            "candidate with gold. The baselines above are on the same prompts; on all prompts:",
            warn=True,
        )
        allb = table.get("baselines_all_prompts") or {}
        page.table(
            ["selection rule (all prompts)", *[f"N={n}" for n in ns]],
            [[rule, *[_pm(v.get(n)) for n in ns]] for rule, v in allb.items()],
        )
    pub = m.get("public_rm_best_of_all") or {}
    own = m.get("reward_best_of_all")
    if pub or own:
        page.h2("Best-of-all picks (public reward models and the reward)")
        prow = []
        if own and own.get("prompts"):
            prow.append(
                [
                    f"reward ({summary['reward'].get('name')}), best of {own.get('candidates')}",
                    f"{own['picks_with_gold']}/{own['prompts']}",
                    _pm(own) if own.get("mean") is not None else "not determined",
                    pct(own["lower_bound"], 2),
                    pct(own["upper_bound"], 2),
                ]
            )
        for rm, e in pub.items():
            n = e["picks_with_gold"] + e["picks_without_gold"]
            prow.append(
                [
                    rm,
                    f"{e['picks_with_gold']}/{n}",
                    _pm(e) if e.get("mean") is not None else "not determined",
                    pct(e["lower_bound"], 2),
                    pct(e["upper_bound"], 2),
                ]
            )
        page.table(["reward model", "picks with gold", "mean gold x100", "lower bound", "upper bound"], prow)
        page.note(
            "Best-of-all picks (16 candidates) are not directly comparable with best-of-11 numbers. Bounds set the "
            "unknown gold of picks without judge annotation to 0 and to 1."
        )
    curves = m.get("curves") or {}
    if curves.get("n"):
        series = {f"reward ({summary['reward'].get('name')})": curves["reward"]}
        series.update(curves.get("baselines") or {})
        scaled = {name: [None if v is None else 100 * v for v in vals] for name, vals in series.items()}
        n_values = curves["n"]
        page.figure(
            "bon_curve",
            plots.bon_curve(
                n_values,
                scaled,
                title="Best-of-N: expected gold of the pick",
                xlabel="N (log scale)",
                ylabel="gold x100",
                log_x=True,
                xticks=n_values,
                xticklabels=[str(n) for n in n_values],
            ),
            "Expected gold x100 against N, for the reward and the baseline rules.",
        )
        page.figure(
            "overoptimization_curve",
            plots.bon_curve(
                curves["kl"],
                scaled,
                title="Over-optimization: gold vs KL of best-of-N",
                xlabel="KL_bon = log N - (N-1)/N (nats)",
                ylabel="gold x100",
            ),
            "Gold against the best-of-N policy's KL from the sampler; a reward that is over-optimized bends down.",
        )


# ---- robustness -----------------------------------------------------------------------------
def _x100(value: float | None) -> float | None:
    return None if value is None else 100.0 * value


def robustness_section(page: Page, summary: dict[str, Any], rows: list[dict[str, Any]]) -> None:
    m = summary.get("metrics") or {}
    base = m.get("base_accuracy") or {}
    transforms = m.get("transforms") or {}
    page.h2("Robustness to meaning-preserving rewrites")
    page.note(
        f"Accuracy on the untransformed pairs: {pct(base.get('accuracy'))}% (n={base.get('n')}). Each transform is "
        "measured on the pairs it changed: consistency is the fraction whose ranking (chosen above, below or tied with "
        "rejected) is unchanged."
    )
    page.table(
        [
            "transform",
            "target",
            "changed",
            "scored",
            "consistency %",
            "accuracy before %",
            "after %",
            "change",
            "flipped to wrong",
            "flipped to right",
            "mean |score change|",
        ],
        [
            [
                name,
                f"{t['target']} ({t['sides']})" if t["target"] == "response" else t["target"],
                t["pairs_changed"],
                t["n"],
                pct(t["consistency"]),
                pct(t["accuracy_before"]),
                pct(t["accuracy_after"]),
                pct(t["accuracy_change"]),
                t["flipped_to_wrong"],
                t["flipped_to_right"],
                t["mean_abs_score_change"],
            ]
            for name, t in transforms.items()
        ],
        numeric_from=2,
    )
    page.table(["transform", "what it does"], [[n, t["description"]] for n, t in transforms.items()], numeric_from=9)
    names = list(transforms)
    charts = [  # (plot name, metric, series label, title, y label, reference line, caption)
        (
            "robustness_consistency",
            "consistency",
            "consistency",
            "Ranking consistency per transform",
            "consistency % (pairs ranked the same)",
            100.0,
            "Percentage of changed pairs the reward ranks as before (the table's consistency %).",
        ),
        (
            "robustness_accuracy_change",
            "accuracy_change",
            "accuracy change",
            "Accuracy change per transform",
            "accuracy change (points, after - before)",
            0.0,
            "Accuracy after the rewrite minus before, in percentage points (the table's change column), on the "
            "pairs the transform changed.",
        ),
    ]
    for plot, metric, series, title, ylabel, hline, caption in charts if names else []:
        values = [_x100(transforms[n][metric]) for n in names]
        chart = plots.bar_chart(names, {series: values}, title=title, ylabel=ylabel, hline=hline, horizontal=True)
        page.figure(plot, chart, caption)


# ---- agreement ------------------------------------------------------------------------------
def agreement_section(page: Page, summary: dict[str, Any], rows: list[dict[str, Any]]) -> None:
    m = summary.get("metrics") or {}
    reward = summary.get("reward") or {}
    a_name = (reward.get("a") or {}).get("name", "a")
    b_name = (reward.get("b") or {}).get("name", "b")
    page.h2(f"Agreement: {a_name} (a) vs {b_name} (b)")
    comparisons = [("a vs b", m.get("a_vs_b"))]
    if m.get("a_vs_gold"):
        comparisons += [("a vs gold", m["a_vs_gold"]), ("b vs gold", m["b_vs_gold"])]
    page.table(
        [
            "comparison",
            "samples",
            "agreement %",
            "Cohen's kappa",
            "Spearman",
            "Kendall tau-b",
            "pass rate (first) %",
            "pass rate (second) %",
            "unscored",
        ],
        [
            [
                name,
                s["n"],
                pct(s["agreement"]),
                s["kappa"],
                s["spearman"],
                s["kendall"],
                pct(s["pass_rate_a"]),
                pct(s["pass_rate_b"]),
                s["unscored"],
            ]
            for name, s in comparisons
            if s
        ],
    )
    for name, s in comparisons:
        if s and s.get("confusion"):
            c = s["confusion"]
            first, second = name.split(" vs ")
            page.h3(f"Confusion table, {name} (pass: score >= {s['threshold_a']} / {s['threshold_b']})")
            page.table(
                ["", f"{second} pass", f"{second} fail"],
                [
                    [f"{first} pass", c["a_pass_b_pass"], c["a_pass_b_fail"]],
                    [f"{first} fail", c["a_fail_b_pass"], c["a_fail_b_fail"]],
                ],
            )
    both = [(r["score_a"], r["score_b"]) for r in rows if r.get("score_a") is not None and r.get("score_b") is not None]
    if both:
        xs, ys = zip(*both, strict=True)
        page.figure(
            "agreement_scatter",
            plots.scatter(
                xs, ys, title="Scores of the two rewards", xlabel=f"a: {a_name}", ylabel=f"b: {b_name}", jitter=0.02
            ),
            "One point per sample (jittered slightly so that equal scores stay visible).",
        )


# ---- distance -------------------------------------------------------------------------------
def distance_section(page: Page, summary: dict[str, Any], rows: list[dict[str, Any]]) -> None:
    m = summary.get("metrics") or {}
    d = m.get("distance") or {}
    reward = summary.get("reward") or {}
    a_name = (reward.get("a") or {}).get("name", "a")
    b_name = (reward.get("b") or {}).get("name", "b")
    page.h2(f"Reward distance: {a_name} vs {b_name}")
    page.table(
        ["EPIC", "STARC (L2, halved)", "Pearson of canonical rewards", "prompts", "completions"],
        [[d.get("epic"), d.get("starc"), d.get("pearson_canonical"), d.get("groups"), d.get("completions")]],
        numeric_from=0,
    )
    page.note(
        "gamma = 0 (a prompt is a state, a completion an action): canonicalization removes each prompt's mean score. "
        "EPIC = sqrt((1 - rho)/2); STARC = half the L2 distance of the unit-normalized canonical rewards. 0: same "
        "ranking of every prompt's completions up to offset and positive scale; 1: opposite rewards. Every prompt's "
        "canonical rewards have mean 0, so here STARC-L2 equals EPIC: sqrt((1 - rho)/2) both."
        + (f" Note: {d['note']}." if d.get("note") else "")
    )
    groups: dict[Any, list[tuple[float, float]]] = defaultdict(list)
    for r in rows:
        if r.get("score_a") is not None and r.get("score_b") is not None:
            groups[r["group"]].append((float(r["score_a"]), float(r["score_b"])))
    xs: list[float] = []
    ys: list[float] = []
    for pts in groups.values():
        if len(pts) < 2:
            continue
        arr = np.array(pts)
        arr = arr - arr.mean(axis=0)
        xs += arr[:, 0].tolist()
        ys += arr[:, 1].tolist()
    if xs:
        page.figure(
            "canonical_scatter",
            plots.scatter(
                xs, ys, title="Canonicalized rewards (centred per prompt)", xlabel=f"a: {a_name}", ylabel=f"b: {b_name}"
            ),
            "Each completion's score minus its prompt's mean score, for both rewards.",
        )


# ---- reward_search ------------------------------------------------------------------------------
def reward_search_section(page: Page, summary: dict[str, Any], rows: list[dict[str, Any]]) -> None:
    """Candidates of a reward search: status, fitness, errors; the best one's code and components."""
    params = summary.get("params") or {}
    page.h2("Candidates")
    page.table(
        ["round", "candidate", "status", "success rate", "env return", "seconds", "error"],
        [
            [
                r.get("round"),
                r.get("name"),
                r.get("status"),
                r.get("fitness"),
                r.get("env_return"),
                r.get("seconds"),
                (r.get("error") or "")[:160],
            ]
            for r in rows
        ],
        numeric_from=3,
    )
    page.note(
        f"Fitness: success rate ({params.get('success')}) of the greedy policy trained with the candidate "
        f"({params.get('trainer')}, {params.get('train_steps')} env steps, {params.get('seeds')} seed(s)), on the "
        "task's own criterion. Statuses: crash (raised), timeout (hung), nan (a non-finite reward), escape (refused "
        "by the screen without running), invalid (no program: the proposer failed, or the code does not parse or "
        "defines no compute_reward); every candidate that ran, ran only in the sandbox."
    )
    curves = {str(r.get("name")): r.get("curve") or [] for r in rows if r.get("status") == "ok"}
    longest = max((len(c) for c in curves.values()), default=0)
    if longest:
        xs = list(range(1, longest + 1))
        padded = {k: [*c, *([None] * (longest - len(c)))] for k, c in curves.items()}
        page.figure(
            "training_curves",
            plots.bon_curve(
                xs,
                padded,
                title="Training success (moving average, first seed)",
                xlabel="training episode",
                ylabel="success",
            ),
            "Share of the last 10 training episodes that reached the task's success, per candidate.",
        )
    best = summary.get("best")
    if best:
        page.h2(f"Best candidate: {best.get('name')}")
        components = best.get("components") or {}
        if components:
            page.table(
                ["component", "mean", "std", "min", "max"],
                [[k, v.get("mean"), v.get("std"), v.get("min"), v.get("max")] for k, v in sorted(components.items())],
            )
        page.raw(f"<pre>{html.escape(str(best.get('code') or ''))}</pre>")


SECTIONS: dict[str, Callable[[Page, dict[str, Any], list[dict[str, Any]]], None]] = {
    "prefs": prefs_section,
    "bon": bon_section,
    "robustness": robustness_section,
    "agreement": agreement_section,
    "distance": distance_section,
    "reward_search": reward_search_section,
}
