"""Episodes to solve a sparse, multi-stage task with different rewards (issue 13's benchmark).

Task: rewardlab's key-door grid (fetch the key, pass the door, reach the goal; reward 1 at the
goal only), 9 x 7 cells by default, episodes of at most 150 steps. Learner: the same tabular Q-learning
for every reward (alpha 0.5, gamma 0.99, epsilon 0.1, Q initialised to 0). Rewards compared:

- ``raw``: the env's reward (``env_reward``);
- ``potential``: ``state_shaping`` with the grid's stage-and-distance potential (Ng et al.);
- ``count``: env reward + ``count_bonus`` (beta 0.1, exact counts of next states);
- ``rnd``: env reward + 0.05 x ``rnd_bonus`` on the grid's feature vector, normalized by
  ``running_norm`` (not centred);
- ``machine``: the key -> door -> goal reward machine (0.1 per subgoal, added to the env's reward),
  the agent seeing the machine state, with counterfactual experience (CRM);
- ``machine-no-crm``: the same product env, plain Q-learning.

Every 10 training episodes the greedy policy (ties broken at random) is run for 3 episodes on the
task; the run is *solved* at the first check where all 3 reach the goal. Reported: episodes (and
env steps) to solved, per seed; the mean with a 95% bootstrap confidence interval over seeds (runs not solved within the
budget count as the budget: the mean is then a lower bound, marked); the median; the solved
count. The plot shows the share of seeds solved against training episodes, and the means with
their intervals.

    nice .venv/bin/python benchmarks/quality_agent_rewards.py --seeds 5 --record

One process, one torch thread (RND's networks are tiny: more threads only add overhead on a
shared machine).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from rewardlab.integrations.gymnasium import RewardWrapper
from rewardlab.integrations.gymnasium.envs import KeyDoorGrid
from rewardlab.integrations.gymnasium.leaves import EnvReward
from rewardlab.integrations.gymnasium.machines import RewardMachineWrapper
from rewardlab.integrations.gymnasium.shaping import StateShaping, potential
from rewardlab.integrations.gymnasium.trainers import QLearning

HERE = Path(__file__).resolve().parent
GAMMA = 0.99
MACHINE = {
    "name": "key-door-goal",
    "events": ["key", "door", "goal"],
    "states": ["start", "has_key", "inside", "done"],
    "initial": "start",
    "terminal": ["done"],
    "transitions": [
        {"from": "start", "to": "has_key", "when": "key", "reward": 0.1},
        {"from": "has_key", "to": "inside", "when": "door", "reward": 0.1},
        {"from": "inside", "to": "done", "when": "goal", "reward": 0.0},
    ],
}
METHODS = ("raw", "potential", "count", "rnd", "machine", "machine-no-crm")


def make_grid(args: argparse.Namespace) -> KeyDoorGrid:
    return KeyDoorGrid(args.width, args.height, args.max_steps)


def build(method: str, args: argparse.Namespace, seed: int) -> tuple[Any, QLearning, Any]:
    """(training env, agent, evaluation env) for a method."""
    grid = make_grid(args)
    agent = QLearning(alpha=0.5, gamma=GAMMA, epsilon=0.1, seed=seed, counterfactual=method == "machine")
    if method == "raw":
        return RewardWrapper(grid, "env_reward"), agent, make_grid(args)
    if method == "potential":
        node = StateShaping(potential=potential(grid.potential), child=EnvReward(), gamma=GAMMA)
        return RewardWrapper(grid, node), agent, make_grid(args)
    if method == "count":
        spec = {"type": "weighted_sum", "children": ["env_reward", {"type": "count_bonus", "beta": 0.1}]}
        return RewardWrapper(grid, spec), agent, make_grid(args)
    if method == "rnd":
        rnd = {"type": "rnd_bonus", "field": "info.features", "hidden": [64], "out_dim": 16, "seed": seed}
        spec = {
            "type": "weighted_sum",
            "children": [
                "env_reward",
                {"type": "running_norm", "center": False, "warmup": 1, "weight": 0.05, "child": rnd},
            ],
        }
        return RewardWrapper(grid, spec), agent, make_grid(args)
    if method in ("machine", "machine-no-crm"):
        return (
            RewardMachineWrapper(grid, MACHINE, reward="add"),
            agent,
            RewardMachineWrapper(make_grid(args), MACHINE, reward="add"),
        )
    raise ValueError(method)


def run(method: str, seed: int, args: argparse.Namespace) -> dict[str, Any]:
    env, agent, eval_env = build(method, args, seed)
    started = time.perf_counter()
    episodes = 0
    solved_at: int | None = None
    steps_at: int | None = None
    while episodes < args.budget:
        agent.learn(env, episodes=args.check_every)
        episodes += args.check_every
        if agent.evaluate(eval_env, episodes=args.eval_episodes, seed=seed)["success_rate"] == 1.0:
            solved_at, steps_at = episodes, agent.steps
            break
    return {
        "method": method,
        "seed": seed,
        "solved": solved_at is not None,
        "episodes": solved_at if solved_at is not None else args.budget,
        "steps": steps_at if steps_at is not None else agent.steps,
        "seconds": round(time.perf_counter() - started, 2),
    }


def bootstrap_ci(values: list[float], *, draws: int = 10_000, seed: int = 0) -> tuple[float, float]:
    rng = np.random.default_rng(seed)
    arr = np.asarray(values, dtype=np.float64)
    means = rng.choice(arr, size=(draws, len(arr)), replace=True).mean(axis=1)
    return float(np.percentile(means, 2.5)), float(np.percentile(means, 97.5))


def summarize(rows: list[dict[str, Any]], methods: list[str]) -> list[dict[str, Any]]:
    out = []
    for m in methods:
        mine = [r for r in rows if r["method"] == m]
        eps = [r["episodes"] for r in mine]
        steps = [r["steps"] for r in mine]
        lo, hi = bootstrap_ci(eps)
        slo, shi = bootstrap_ci(steps)
        out.append(
            {
                "method": m,
                "seeds": len(mine),
                "solved": sum(r["solved"] for r in mine),
                "mean_episodes": float(np.mean(eps)),
                "ci_episodes": (lo, hi),
                "median_episodes": float(np.median(eps)),
                "mean_steps": float(np.mean(steps)),
                "ci_steps": (slo, shi),
                "seconds": float(np.sum([r["seconds"] for r in mine])),
            }
        )
    return out


def plot(rows: list[dict[str, Any]], summary: list[dict[str, Any]], budget: int, path: Path) -> None:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(11, 4.2), dpi=100)
    left, right = fig.subplots(1, 2)
    colors = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b"]
    xs = np.arange(0, budget + 1, 10)
    for color, s in zip(colors, summary, strict=False):
        eps = np.array([r["episodes"] if r["solved"] else np.inf for r in rows if r["method"] == s["method"]])
        left.step(xs, [(eps <= x).mean() for x in xs], where="post", color=color, label=s["method"])
    left.set_xlabel("training episodes")
    left.set_ylabel("share of seeds solved (greedy policy reaches the goal)")
    left.set_title("Key-door grid: solved against training")
    left.grid(True, alpha=0.3)
    left.legend(fontsize=8, loc="lower right")
    names = [s["method"] for s in summary]
    means = [s["mean_episodes"] for s in summary]
    err = np.array([[m - s["ci_episodes"][0], s["ci_episodes"][1] - m] for m, s in zip(means, summary, strict=True)]).T
    right.bar(names, means, yerr=err, color=colors[: len(names)], capsize=4)
    right.set_ylabel("episodes to solve (mean, 95% bootstrap CI)")
    right.set_title("Episodes to solve")
    right.tick_params(axis="x", labelrotation=25, labelsize=8)
    right.grid(True, axis="y", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path)


def markdown(summary: list[dict[str, Any]], args: argparse.Namespace, command: str, elapsed: float) -> str:
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    lines = [
        f"## Agent rewards: episodes to solve a sparse key-door grid ({datetime.now(UTC):%Y-%m-%d %H:%M} UTC)",
        "",
        f"Command: `{command}`  ",
        f"Machine: {os.cpu_count()} CPUs, Python {platform.python_version()}, load average {load:.1f} at start; "
        f"{elapsed:.0f} s in all.  ",
        f"Task: `KeyDoorGrid({args.width}, {args.height}, max_steps={args.max_steps})`, reward 1 at the goal only; "
        f"tabular Q-learning (alpha 0.5, gamma {GAMMA}, epsilon 0.1) for every reward; solved when "
        f"{args.eval_episodes} greedy episodes all reach the goal, checked every {args.check_every} episodes; "
        f"budget {args.budget} episodes; {args.seeds} seeds each.",
        "",
        "| reward | solved | episodes to solve: mean [95% CI] | median | env steps to solve: mean [95% CI] |",
        "|---|---:|---:|---:|---:|",
    ]
    for s in summary:
        censored = " (lower bound)" if s["solved"] < s["seeds"] else ""
        lines.append(
            f"| {s['method']} | {s['solved']}/{s['seeds']} | {s['mean_episodes']:.0f} "
            f"[{s['ci_episodes'][0]:.0f}, {s['ci_episodes'][1]:.0f}]{censored} | {s['median_episodes']:.0f} | "
            f"{s['mean_steps']:,.0f} [{s['ci_steps'][0]:,.0f}, {s['ci_steps'][1]:,.0f}] |"
        )
    raw = next((s for s in summary if s["method"] == "raw"), None)
    if raw is not None:
        ratios = ", ".join(
            f"{s['method']} {raw['mean_episodes'] / s['mean_episodes']:.1f}x"
            for s in summary
            if s["method"] != "raw" and s["mean_episodes"] > 0
        )
        lines += ["", f"Speed-up in episodes over the raw reward (ratio of means): {ratios}."]
    lines += ["", "![episodes to solve](figures/agent_rewards.png)", ""]
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--methods", default=",".join(METHODS))
    parser.add_argument("--width", type=int, default=9)
    parser.add_argument("--height", type=int, default=7)
    parser.add_argument("--max-steps", type=int, default=150)
    parser.add_argument("--budget", type=int, default=1500, help="Training episodes before a run counts as unsolved.")
    parser.add_argument("--check-every", type=int, default=10)
    parser.add_argument("--eval-episodes", type=int, default=3, help="Greedy episodes per check; all must succeed.")
    parser.add_argument("--record", action="store_true", help="Append the table to RESULTS.md, write the plot.")
    parser.add_argument("--out", default=str(HERE / "figures" / "agent_rewards.json"))
    args = parser.parse_args(argv)
    import torch

    torch.set_num_threads(1)
    methods = [m for m in args.methods.split(",") if m]
    started = time.perf_counter()
    rows = []
    for seed in range(args.seeds):
        for method in methods:
            row = run(method, seed, args)
            rows.append(row)
            print(json.dumps(row), flush=True)
    elapsed = time.perf_counter() - started
    summary = summarize(rows, methods)
    for s in summary:
        print(json.dumps(s), flush=True)
    command = "nice .venv/bin/python benchmarks/quality_agent_rewards.py " + " ".join(argv)
    text = markdown(summary, args, command.strip(), elapsed)
    print(text)
    if args.record:
        Path(args.out).write_text(json.dumps({"args": vars(args), "rows": rows, "summary": summary}, indent=1))
        plot(rows, summary, args.budget, HERE / "figures" / "agent_rewards.png")
        with open(HERE / "RESULTS.md", "a", encoding="utf-8") as fh:
            fh.write("\n" + text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
