"""Cache frozen MiniLM features of every gold candidate of alpaca_bon16 (issue 15; not a test).

One forward pass per candidate (prompt + completion, MiniLM's rendering and truncation, as ``train bt``
encodes them), sorted longest first, 16 a batch. Saved to ``--out`` (npz): ``cm`` [4400, 7, 384] the mean
over the completion's tokens of every hidden layer (0 = embeddings, 6 = the last: what the ``train bt``
probe's ``completion_mean`` pooling gives), ``cls`` and ``mean`` (all tokens) of the last layer, ``ntok``,
``trunc``, and ``ids`` / ``cand`` (row id, candidate index). ``benchmarks/quality_alpaca_heads.py`` reads it.

Usage::

    .venv/bin/python benchmarks/alpaca_features.py --max-length 512 --out /tmp/bt15/minilm_512.npz
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import sys
import time
from pathlib import Path

import numpy as np
import torch

HERE = Path(__file__).resolve().parent
SHARED = Path(os.environ.get("REWARDLAB_SHARED_DATA", HERE.parent.parent / "shared" / "data"))
sys.path.insert(0, str(HERE.parent / "src"))

from rewardlab.models.backbones import load_backbone  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=SHARED / "alpaca_bon16.jsonl.gz")
    ap.add_argument("--max-length", type=int, default=512)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    with gzip.open(args.data, "rt", encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh]
    bb = load_backbone("minilm", max_length=args.max_length, threads=args.threads)
    samples, keys = [], []
    for r in rows:
        for k, g in enumerate(r["gold"]):
            if g is None:
                continue
            samples.append(
                {"prompt": [{"role": "user", "content": r["instruction"]}], "completion": r["candidates"][k]}
            )
            keys.append((r["id"], k))
    enc = bb.encode([bb.render(s) for s in samples])
    order = sorted(range(len(enc)), key=lambda i: -len(enc[i]))
    model = bb.model.eval()
    layers = model.config.num_hidden_layers + 1
    cm = np.zeros((len(enc), layers, bb.hidden_size), np.float32)
    cls = np.zeros((len(enc), bb.hidden_size), np.float32)
    mean = np.zeros((len(enc), bb.hidden_size), np.float32)
    started = time.time()
    with torch.inference_mode():
        for s in range(0, len(order), 16):
            idx = order[s : s + 16]
            batch = bb.collate([enc[i] for i in idx])
            cmask = bb.completion_mask([enc[i] for i in idx]) * batch["attention_mask"]
            hidden = model(**batch, output_hidden_states=True).hidden_states
            w = cmask.float().unsqueeze(-1)
            a = batch["attention_mask"].float().unsqueeze(-1)
            for layer, h in enumerate(hidden):
                cm[idx, layer] = ((h * w).sum(1) / w.sum(1).clamp(min=1)).numpy()
            cls[idx] = hidden[-1][:, 0].numpy()
            mean[idx] = ((hidden[-1] * a).sum(1) / a.sum(1)).numpy()
            if (s // 16) % 20 == 0:
                print(f"{s}/{len(order)} {time.time() - started:.0f}s", flush=True)
    np.savez(
        args.out,
        cm=cm,
        cls=cls,
        mean=mean,
        ntok=np.array([len(e) for e in enc]),
        trunc=np.array([e.truncated for e in enc]),
        ids=np.array([k[0] for k in keys]),
        cand=np.array([k[1] for k in keys]),
    )
    print(f"done {time.time() - started:.0f}s", flush=True)


if __name__ == "__main__":
    main()
