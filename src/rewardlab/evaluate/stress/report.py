"""The stress report: per verifier and probe, what the reward paid and whether the system stayed
healthy; rendered as rich tables or JSON."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

__all__ = ["ProbeOutcome", "StressReport", "VerifierReport"]

EPS = 1e-9


@dataclass
class ProbeOutcome:
    """One probe against one verifier."""

    probe: str
    attack: str
    description: str
    preview: str  # the start of the completion, escaped
    score: float | None
    status: str  # the result's status, or "hung" / "crashed" when there is no result
    reason: str | None  # info['reason'] or the error
    ceiling: float | None
    ceiling_kind: str  # "wrong answer", "correct answer", or "same text without the trick"
    seconds: float
    health: list[str] = field(default_factory=list)  # problems; empty = healthy

    @property
    def paid(self) -> bool:
        return self.score is not None and self.ceiling is not None and self.score > self.ceiling + EPS

    @property
    def healthy(self) -> bool:
        return not self.health

    @property
    def passed(self) -> bool:
        return not self.paid and self.healthy

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "paid": self.paid, "healthy": self.healthy, "passed": self.passed}


@dataclass
class VerifierReport:
    """All probes of one configured verifier (or why it was not probed)."""

    label: str
    kind: str
    config: dict[str, Any]
    state: str  # "probed", "skipped" (not registered / cannot be probed) or "broken" (baseline failed)
    message: str | None = None
    correct_score: float | None = None
    wrong_score: float | None = None
    outcomes: list[ProbeOutcome] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def paid(self) -> list[ProbeOutcome]:
        return [o for o in self.outcomes if o.paid]

    @property
    def unhealthy(self) -> list[ProbeOutcome]:
        return [o for o in self.outcomes if not o.healthy]

    @property
    def passed(self) -> bool:
        return self.state != "broken" and not self.paid and not self.unhealthy

    def to_json(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "kind": self.kind,
            "config": self.config,
            "state": self.state,
            "message": self.message,
            "correct_score": self.correct_score,
            "wrong_score": self.wrong_score,
            "passed": self.passed,
            "paid": [o.probe for o in self.paid],
            "unhealthy": [o.probe for o in self.unhealthy],
            "notes": self.notes,
            "probes": [o.to_json() for o in self.outcomes],
        }


@dataclass
class StressReport:
    """Every verifier's probes, and the verdict."""

    verifiers: list[VerifierReport]
    timeout_s: float
    isolation: str
    seconds: float = 0.0

    @property
    def passed(self) -> bool:
        return all(v.passed for v in self.verifiers)

    @property
    def probed(self) -> list[VerifierReport]:
        return [v for v in self.verifiers if v.state != "skipped"]

    def to_json(self) -> dict[str, Any]:
        return {
            "passed": self.passed,
            "timeout_s": self.timeout_s,
            "isolation": self.isolation,
            "seconds": round(self.seconds, 3),
            "verifiers": [v.to_json() for v in self.verifiers],
        }

    # ---- rendering ---------------------------------------------------------------------
    def render(self, console: Any, *, verbose: bool = False) -> None:
        """Print a table per verifier (only failing probes unless ``verbose``) and a summary."""
        from rich.markup import escape
        from rich.table import Table

        for v in self.verifiers:
            if v.state == "skipped":
                continue
            head = f"[bold cyan]{escape(v.label)}[/]"
            if v.state == "broken":
                console.print(f"{head}  [bold red]BROKEN[/] {escape(v.message or '')}")
                continue
            shown = v.outcomes if verbose else [o for o in v.outcomes if not o.passed]
            verdict = "[bold green]pass[/]" if v.passed else "[bold red]FAIL[/]"
            console.print(
                f"{head}  {verdict}  {len(v.outcomes)} probes; correct answer scores {_f(v.correct_score)}, "
                f"wrong answer {_f(v.wrong_score)}"
            )
            for note in v.notes:
                console.print(f"  [dim]{escape(note)}[/]")
            if not shown:
                continue
            table = Table(show_edge=False, pad_edge=False, box=None, padding=(0, 1))
            for col, kw in (
                ("probe", {"style": "bold"}),
                ("attack", {"style": "dim"}),
                ("completion", {"max_width": 34, "overflow": "ellipsis", "no_wrap": True}),
                ("paid", {"justify": "right"}),
                ("max", {"justify": "right"}),
                ("verdict", {}),
                ("status", {}),
                ("time", {"justify": "right"}),
                ("health / why", {"max_width": 60, "overflow": "fold"}),
            ):
                table.add_column(col, **kw)
            for o in shown:
                if o.paid:
                    verdict = "[red]PAID[/]"
                elif o.ceiling_kind.startswith("correct"):
                    verdict = "[dim]health only[/]"
                else:
                    verdict = "[green]refused[/]"
                health = "; ".join(o.health) if o.health else (o.reason or "")
                table.add_row(
                    o.probe,
                    o.attack,
                    escape(o.preview),
                    _f(o.score),
                    _f(o.ceiling),
                    verdict,
                    o.status if o.healthy else f"[red]{o.status}[/]",
                    f"{o.seconds:.2f}s",
                    f"[red]{escape(health)}[/]" if o.health else f"[dim]{escape(health)}[/]",
                )
            console.print(table)
        self.render_summary(console)

    def render_summary(self, console: Any) -> None:
        from rich.markup import escape
        from rich.table import Table

        table = Table(title="stress summary", title_justify="left", show_edge=False, pad_edge=False)
        for col in ("verifier", "probes", "paid", "unhealthy", "slowest", "verdict"):
            table.add_column(col, justify="right" if col in ("probes", "paid", "unhealthy", "slowest") else "left")
        for v in self.verifiers:
            if v.state == "skipped":
                table.add_row(
                    escape(v.label), "-", "-", "-", "-", f"[yellow]skipped[/] [dim]{escape(v.message or '')}[/]"
                )
                continue
            if v.state == "broken":
                table.add_row(escape(v.label), "-", "-", "-", "-", f"[bold red]BROKEN[/] {escape(v.message or '')}")
                continue
            slowest = max((o.seconds for o in v.outcomes), default=0.0)
            paid = ", ".join(o.probe for o in v.paid)
            sick = ", ".join(o.probe for o in v.unhealthy)
            verdict = "[green]pass[/]" if v.passed else "[bold red]FAIL[/]"
            table.add_row(
                escape(v.label),
                str(len(v.outcomes)),
                f"[red]{len(v.paid)}: {paid}[/]" if v.paid else "0",
                f"[red]{len(v.unhealthy)}: {sick}[/]" if v.unhealthy else "0",
                f"{slowest:.2f}s",
                verdict,
            )
        console.print(table)
        n_fail = sum(1 for v in self.verifiers if not v.passed)
        if self.passed:
            console.print(
                f"[bold green]passed[/]: {len(self.probed)} verifier(s) refused every probe and stayed healthy "
                f"({self.seconds:.1f}s, isolation={self.isolation}, limit {self.timeout_s:g}s per probe)"
            )
        else:
            console.print(f"[bold red]failed[/]: {n_fail} verifier(s) paid a probe, broke, or became unhealthy")


def _f(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:.3g}" if abs(value) < 1000 else f"{value:.3e}"
