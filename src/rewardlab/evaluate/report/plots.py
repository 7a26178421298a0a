"""The report's plots, drawn with matplotlib and returned as ``data:image/png;base64`` URIs.

Embedding the PNGs keeps ``report.html`` standalone (it opens offline, attaches to an email).
Figures are built with ``matplotlib.figure.Figure`` (no pyplot, no global state, no display).
matplotlib is imported inside each function: importing this module is cheap.

>>> uri = bar_chart(["a", "b"], {"accuracy": [0.5, 0.7]}, title="t", ylabel="y")
>>> uri.startswith("data:image/png;base64,")
True
"""

from __future__ import annotations

import base64
import io
import math
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = [
    "bar_chart",
    "bon_curve",
    "histograms",
    "length_vs_score",
    "reliability_diagram",
    "scatter",
]

_COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#17becf"]


def _figure(
    width: float = 7.0, height: float = 4.2, *, left: float = 0.8, bottom: float = 0.75, right: float = 0.25
) -> tuple[Any, Any]:
    """A figure with one axes; margins in inches (fixed: no layout pass, one draw per plot)."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=100)
    fig.subplots_adjust(left=left / width, right=1 - right / width, bottom=bottom / height, top=1 - 0.45 / height)
    ax = fig.subplots()
    ax.grid(True, alpha=0.3)
    return fig, ax


def _readable(ax: Any, *, xs: Sequence[float] = (), ys: Sequence[float] = (), window: bool = True) -> None:
    """Tick labels a person can read: no offset or scientific notation on linear axes, and a
    constant series (a reward that gives every sample the same score) shown around its value
    instead of on an axis of width ~1e-15 labelled ``+1`` and ``1e-8``."""
    for axis, values in (("x", xs), ("y", ys)):
        scale = ax.get_xscale() if axis == "x" else ax.get_yscale()
        if scale != "linear":
            continue
        try:
            ax.ticklabel_format(axis=axis, useOffset=False, style="plain")
        except AttributeError:  # categorical axes have no scalar formatter
            continue
        finite = _finite(list(values))
        if window and finite and max(finite) - min(finite) <= 1e-9 * max(1.0, abs(max(finite))):
            centre = finite[0]
            half = max(0.5, abs(centre) * 0.1)
            (ax.set_xlim if axis == "x" else ax.set_ylim)(centre - half, centre + half)


def _uri(fig: Any) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _finite(values: Sequence[float | None]) -> list[float]:
    return [float(v) for v in values if v is not None and math.isfinite(float(v))]


def bar_chart(
    labels: Sequence[str],
    series: Mapping[str, Sequence[float | None]],
    *,
    title: str,
    ylabel: str,
    errors: Mapping[str, tuple[Sequence[float | None], Sequence[float | None]]] | None = None,
    hline: float | None = None,
    hline_label: str | None = None,
    horizontal: bool = False,
) -> str:
    """Grouped bars: one group per label, one bar per series (``None`` draws no bar).

    ``errors[series] = (lows, highs)`` draws interval whiskers (absolute values, e.g. a CI).
    """
    import numpy as np

    n = len(labels)
    longest = max((len(str(label)) for label in labels), default=1)
    rotated = not horizontal and n > 4
    bottom = min(2.5, 0.5 + 0.06 * longest) if rotated else 0.75
    height = max(3.5, 0.35 * n + 1.5) if horizontal else 3.5 + bottom
    left = min(3.5, 0.3 + 0.075 * longest) if horizontal else 0.8
    fig, ax = _figure(8.0 if horizontal else max(7.0, 0.6 * n + 3), height, left=left, bottom=bottom)
    k = max(1, len(series))
    width = 0.8 / k
    x = np.arange(n)
    for j, (name, values) in enumerate(series.items()):
        vals = np.array([np.nan if v is None else float(v) for v in values])
        pos = x + (j - (k - 1) / 2) * width
        kwargs: dict[str, Any] = {"color": _COLORS[j % len(_COLORS)], "label": name}
        if errors and name in errors:
            lows, highs = errors[name]
            lo = np.array([np.nan if v is None else float(v) for v in lows])
            hi = np.array([np.nan if v is None else float(v) for v in highs])
            err = np.vstack([np.clip(vals - lo, 0, None), np.clip(hi - vals, 0, None)])
            err = np.nan_to_num(err)
            kwargs["capsize"] = 3
            if horizontal:
                kwargs["xerr"] = err
            else:
                kwargs["yerr"] = err
        if horizontal:
            ax.barh(pos, np.nan_to_num(vals), height=width, **kwargs)
        else:
            ax.bar(pos, np.nan_to_num(vals), width=width, **kwargs)
    if horizontal:
        ax.set_yticks(x, labels)
        ax.invert_yaxis()
        ax.set_xlabel(ylabel)
        if hline is not None:
            ax.axvline(hline, color="black", linestyle="--", linewidth=1, label=hline_label)
    else:
        ax.set_xticks(x, labels, rotation=30 if n > 4 else 0, ha="right" if n > 4 else "center")
        ax.set_ylabel(ylabel)
        if hline is not None:
            ax.axhline(hline, color="black", linestyle="--", linewidth=1, label=hline_label)
    ax.set_title(title)
    if len(series) > 1 or hline_label:
        ax.legend(fontsize=8)
    values = [v for vals in series.values() for v in vals if v is not None]
    _readable(ax, **({"xs": values} if horizontal else {"ys": values}), window=False)
    return _uri(fig)


def histograms(series: Mapping[str, Sequence[float | None]], *, title: str, xlabel: str, bins: int = 30) -> str:
    """Overlaid histograms of several score lists (e.g. chosen vs rejected)."""
    import numpy as np

    fig, ax = _figure()
    all_values = [v for values in series.values() for v in _finite(values)]
    if all_values:
        lo, hi = min(all_values), max(all_values)
        if lo == hi:
            lo, hi = lo - 0.5, hi + 0.5
        edges = np.linspace(lo, hi, bins + 1)
        for j, (name, values) in enumerate(series.items()):
            vals = _finite(values)
            ax.hist(vals, bins=edges, alpha=0.5, color=_COLORS[j % len(_COLORS)], label=f"{name} (n={len(vals)})")
        ax.legend(fontsize=8)
    else:
        ax.text(0.5, 0.5, "no scores", ha="center", va="center", transform=ax.transAxes)
    _readable(ax, xs=all_values, window=False)  # a constant score already gets a unit-wide window
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("count")
    return _uri(fig)


def length_vs_score(series: Mapping[str, tuple[Sequence[float], Sequence[float | None]]], *, title: str) -> str:
    """Scatter of response length (characters, log scale) against score, one colour per series."""
    fig, ax = _figure()
    drawn = False
    for j, (name, (lengths, scores)) in enumerate(series.items()):
        pts = [(max(1.0, float(n)), float(s)) for n, s in zip(lengths, scores, strict=True) if s is not None]
        if pts:
            xs, ys = zip(*pts, strict=True)
            ax.scatter(xs, ys, s=8, alpha=0.5, color=_COLORS[j % len(_COLORS)], label=name)
            drawn = True
    if drawn:
        ax.set_xscale("log")
        ax.legend(fontsize=8)
    _readable(ax, ys=[s for _, scores in series.values() for s in scores if s is not None])
    ax.set_title(title)
    ax.set_xlabel("response length (characters)")
    ax.set_ylabel("score")
    return _uri(fig)


def reliability_diagram(bins: Sequence[Mapping[str, Any]], *, title: str) -> str:
    """Accuracy against confidence per bin (bar width = bin), the diagonal = perfect calibration."""
    fig, ax = _figure(5.5, 4.5)
    ax.plot([0.5, 1.0], [0.5, 1.0], linestyle="--", color="black", linewidth=1, label="perfect calibration")
    lows = [b["low"] for b in bins if b.get("count")]
    widths = [b["high"] - b["low"] for b in bins if b.get("count")]
    accs = [b["accuracy"] for b in bins if b.get("count")]
    confs = [b["confidence"] for b in bins if b.get("count")]
    counts = [b["count"] for b in bins if b.get("count")]
    if lows:
        ax.bar(lows, accs, width=widths, align="edge", alpha=0.6, color=_COLORS[0], edgecolor="white", label="accuracy")
        ax.scatter(confs, accs, color=_COLORS[1], zorder=3, s=12, label="mean confidence")
        for x, w, a, c in zip(lows, widths, accs, counts, strict=True):
            ax.text(x + w / 2, min(a, 0.98) + 0.01, str(c), ha="center", va="bottom", fontsize=7)
    ax.set_xlim(0.5, 1.0)
    ax.set_ylim(0.0, 1.05)
    ax.set_xlabel("confidence max(p, 1-p)")
    ax.set_ylabel("accuracy")
    ax.set_title(title)
    ax.legend(fontsize=8, loc="upper left")
    return _uri(fig)


def bon_curve(
    xs: Sequence[float],
    curves: Mapping[str, Sequence[float | None]],
    *,
    title: str,
    xlabel: str,
    ylabel: str,
    log_x: bool = False,
    bands: Mapping[str, tuple[Sequence[float], Sequence[float]]] | None = None,
    xticks: Sequence[float] | None = None,
    xticklabels: Sequence[str] | None = None,
) -> str:
    """Lines of gold against N (or against KL), one per selection rule; optional shaded bands."""
    fig, ax = _figure(9.0, 4.2, right=2.4)  # the legend sits right of the axes
    for j, (name, ys) in enumerate(curves.items()):
        pts = [(x, y) for x, y in zip(xs, ys, strict=True) if y is not None]
        if not pts:
            continue
        px, py = zip(*pts, strict=True)
        style = {"linewidth": 2.2, "marker": "o", "markersize": 4} if j == 0 else {"linewidth": 1.3, "marker": "."}
        ax.plot(px, py, color=_COLORS[j % len(_COLORS)], label=name, **style)
        if bands and name in bands:
            lo, hi = bands[name]
            ax.fill_between(xs, lo, hi, color=_COLORS[j % len(_COLORS)], alpha=0.15, linewidth=0)
    if log_x:
        ax.set_xscale("log", base=2)
    if xticks is not None:
        ax.set_xticks(list(xticks), list(xticklabels) if xticklabels is not None else None)
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0.0)
    return _uri(fig)


def scatter(
    x: Sequence[float],
    y: Sequence[float],
    *,
    title: str,
    xlabel: str,
    ylabel: str,
    jitter: float = 0.0,
    seed: int = 0,
) -> str:
    """A plain scatter (with optional jitter, for discrete scores that would overlap)."""
    import numpy as np

    fig, ax = _figure(5.5, 4.5)
    xs = np.asarray(x, dtype=float)
    ys = np.asarray(y, dtype=float)
    if jitter and xs.size:
        rng = np.random.default_rng(seed)
        span_x = (np.ptp(xs) or 1.0) * jitter
        span_y = (np.ptp(ys) or 1.0) * jitter
        xs = xs + rng.uniform(-span_x, span_x, xs.size)
        ys = ys + rng.uniform(-span_y, span_y, ys.size)
    ax.scatter(xs, ys, s=8, alpha=0.4, color=_COLORS[0])
    _readable(ax, xs=list(x), ys=list(y))
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    return _uri(fig)
