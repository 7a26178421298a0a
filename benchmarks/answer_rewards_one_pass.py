"""Score ``answer_confidence`` and ``entropy`` with one SmolLM2 forward pass per batch instead of two.

Both rewards read the same per-token statistics (``rewardlab.models.label_free.token_stats``) of the
same rendered samples; this runs ``rewardlab score -r answer_confidence`` and then ``rewardlab score
-r entropy`` in one process, on chunks of whole groups, with ``token_stats`` memoized on its exact
inputs, so the second command reuses the first one's forward passes. The scored files are the ones
``rewardlab score`` writes (same rows, same reward objects); ``loop_gsm8k.py`` keeps them. Resumable:
groups already in both outputs are skipped, so it can be stopped at any chunk boundary.

    REWARDLAB_NUM_THREADS=1 python benchmarks/answer_rewards_one_pass.py -i samples.complete.jsonl \
        --group-key group_id --work WORK --prefix samples --chunk-groups 5
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

REWARDS = ("answer_confidence", "entropy")


def memoize_token_stats() -> dict[tuple[Any, ...], Any]:
    from rewardlab.models import label_free

    original = label_free.token_stats
    memo: dict[tuple[Any, ...], Any] = {}

    def cached(backbone: Any, rendered: Sequence[Any], *, batch_size: int = 8, model: Any = None) -> Any:
        key = (id(backbone), id(model), batch_size, tuple(repr(r) for r in rendered))
        if key not in memo:
            memo[key] = original(backbone, rendered, batch_size=batch_size, model=model)
        return memo[key]

    label_free.token_stats = cached  # type: ignore[assignment]
    return memo


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("-i", "--input", type=Path, required=True, help="JSONL rows to score.")
    ap.add_argument("--group-key", required=True, help="Field naming a row's group (kept whole in a chunk).")
    ap.add_argument("--work", type=Path, required=True, help="Folder of PREFIX.answer_confidence/entropy.jsonl.")
    ap.add_argument("--prefix", required=True, help="'samples' or 'solutions' (the loop_gsm8k.py file names).")
    ap.add_argument("--map", action="append", default=[], help="rewardlab score --map (repeatable).")
    ap.add_argument("--chunk-groups", type=int, default=5, help="Groups per rewardlab score call.")
    ap.add_argument("--max-groups", type=int, default=0, help="Stop after this many groups in all (0: all).")
    ap.add_argument("--stop-at", help="UTC time HH:MM after which no new chunk starts (the file stays whole groups).")
    args = ap.parse_args(argv)

    from rewardlab.cli import main as cli

    memo = memoize_token_stats()
    rows = read_jsonl(args.input)
    order: list[str] = []
    groups: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        g = str(r[args.group_key])
        if g not in groups:
            order.append(g)
        groups.setdefault(g, []).append(r)
    outs = {name: args.work / f"{args.prefix}.{name}.jsonl" for name in REWARDS}
    done = set(order)
    for path in outs.values():
        done &= {str(r[args.group_key]) for r in read_jsonl(path)} if path.exists() else set()
    todo = [g for g in order if g not in done]
    if args.max_groups:
        todo = todo[: max(0, args.max_groups - len(done))]
    chunk_in = args.work / f"{args.prefix}.chunk.jsonl"
    started = time.perf_counter()
    for c in range(0, len(todo), args.chunk_groups):
        if args.stop_at and time.strftime("%H:%M", time.gmtime()) >= args.stop_at:
            print(f"stopped at {args.stop_at} UTC", file=sys.stderr, flush=True)
            break
        chunk = todo[c : c + args.chunk_groups]
        memo.clear()  # the second reward asks for the batches the first one just computed
        chunk_in.write_text("".join(json.dumps(r) + "\n" for g in chunk for r in groups[g]), encoding="utf-8")
        for name, path in outs.items():
            part = path.with_suffix(".part")
            cmd = ["score", "-r", name, "-i", str(chunk_in), "-o", str(part), "--group-key", args.group_key]
            cmd += [a for m in args.map for a in ("--map", m)]
            try:
                cli([*cmd, "--batch-size", "64", "--no-summary", "--no-progress"])
            except SystemExit as exc:
                if exc.code:
                    raise
            with path.open("a", encoding="utf-8") as fh:
                fh.write(part.read_text(encoding="utf-8"))
            part.unlink()
        n = len(done) + c + len(chunk)
        print(f"{n} groups done, {time.perf_counter() - started:.0f} s", file=sys.stderr, flush=True)
    chunk_in.unlink(missing_ok=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
