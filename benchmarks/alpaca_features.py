"""Cache frozen MiniLM or SmolLM2 features of every gold candidate of alpaca_bon16 (issue 15; not a test).

One forward pass per candidate (prompt + completion, MiniLM's rendering and truncation, as ``train bt``
encodes them), sorted longest first, 16 a batch. Saved to ``--out`` (npz): ``cm`` [4400, 7, 384] the mean
over the completion's tokens of every hidden layer (0 = embeddings, 6 = the last: what the ``train bt``
probe's ``completion_mean`` pooling gives), ``cls`` and ``mean`` (all tokens) of the last layer, ``ntok``,
``trunc``, and ``ids`` / ``cand`` (row id, candidate index). ``benchmarks/quality_alpaca_heads.py`` reads it.

``--backbone smollm2`` (the embedded SmolLM2-135M-Instruct, the prompt through its chat template, the
completion as the assistant turn, as ``train bt --backbone smollm2`` renders them), 8 a batch: ``last`` and
``cm`` [n, L, 576] the last token's hidden state and the completion mean of the hidden layers ``--layers``
(float16), and ``lp`` [n, 8] statistics of the completion's tokens given the prompt under the LM itself:
mean log-prob, its std, 10% quantile, min, mean entropy of the next-token distribution, mean self-certainty
(KL of uniform from it, Kang et al. 2025), mean log-prob of the first 32 tokens, log of the token count.

Usage::

    .venv/bin/python benchmarks/alpaca_features.py --max-length 512 --out /tmp/bt15/minilm_512.npz
    .venv/bin/python benchmarks/alpaca_features.py --backbone smollm2 --threads 1 --out /tmp/bt15/smollm2_512.npz
"""

from __future__ import annotations

import argparse
import gzip
import json
import math
import os
import sys
import time
from pathlib import Path
from typing import Any

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
    ap.add_argument("--backbone", choices=("minilm", "smollm2"), default="minilm")
    ap.add_argument("--layers", default="0,6,12,15,18,21,24,27,30", help="smollm2: hidden layers kept")
    ap.add_argument("--limit", type=int, default=None, help="only the first N candidates (timing)")
    ap.add_argument("--offset", type=int, default=0, help="skip the first N candidates (a later chunk)")
    ap.add_argument("--batch", type=int, default=8)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    with gzip.open(args.data, "rt", encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh]
    bb = load_backbone(args.backbone, max_length=args.max_length, threads=args.threads)
    samples, keys = [], []
    for r in rows:
        for k, g in enumerate(r["gold"]):
            if g is None:
                continue
            samples.append(
                {"prompt": [{"role": "user", "content": r["instruction"]}], "completion": r["candidates"][k]}
            )
            keys.append((r["id"], k))
    end = args.offset + args.limit if args.limit else None
    samples, keys = samples[args.offset : end], keys[args.offset : end]
    enc = bb.encode([bb.render(s) for s in samples])
    if args.backbone == "smollm2":
        causal_features(bb, enc, keys, args)
        return
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


def causal_features(bb: Any, enc: list[Any], keys: list[tuple[str, int]], args: argparse.Namespace) -> None:
    """SmolLM2: last-token and completion-mean hidden states of some layers, log-prob statistics."""
    layers = [int(x) for x in args.layers.split(",")]
    order = sorted(range(len(enc)), key=lambda i: -len(enc[i]))
    model = bb.model.eval()
    width = bb.hidden_size
    last = np.zeros((len(enc), len(layers), width), np.float16)
    cm = np.zeros((len(enc), len(layers), width), np.float16)
    lp = np.zeros((len(enc), 8), np.float32)
    started = time.time()
    with torch.inference_mode():
        for s in range(0, len(order), args.batch):
            idx = order[s : s + args.batch]
            batch = bb.collate([enc[i] for i in idx])
            out = model.model(**batch, output_hidden_states=True, use_cache=False)
            hidden = out.hidden_states
            cmask = bb.completion_mask([enc[i] for i in idx]) * batch["attention_mask"]
            w = cmask.float().unsqueeze(-1)
            ends = batch["attention_mask"].sum(1) - 1
            rows_ = torch.arange(len(idx))
            for j, layer in enumerate(layers):
                h = hidden[layer]
                last[idx, j] = h[rows_, ends].numpy().astype(np.float16)
                cm[idx, j] = ((h * w).sum(1) / w.sum(1).clamp(min=1)).numpy().astype(np.float16)
            top = out.last_hidden_state
            for r, i in enumerate(idx):
                e = enc[i]
                a, b = e.completion_start, e.completion_end
                if b - a < 1 or a < 1:
                    continue
                logits = model.lm_head(top[r, a - 1 : b - 1]).float()
                logp = torch.log_softmax(logits, -1)
                tok = torch.tensor(e.input_ids[a:b])
                t = logp[torch.arange(b - a), tok]
                ent = -(logp.exp() * logp).sum(-1)
                certainty = -logp.mean(-1) - math.log(logp.shape[-1])
                lp[i] = [
                    t.mean(),
                    t.std() if len(t) > 1 else 0.0,
                    torch.quantile(t, 0.1),
                    t.min(),
                    ent.mean(),
                    certainty.mean(),
                    t[:32].mean(),
                    math.log(b - a),
                ]
            if (s // args.batch) % 25 == 0:
                print(f"{s}/{len(order)} {time.time() - started:.0f}s", flush=True)
    np.savez(
        args.out,
        last=last,
        cm=cm,
        lp=lp,
        layers=np.array(layers),
        ntok=np.array([len(e) for e in enc]),
        trunc=np.array([e.truncated for e in enc]),
        ids=np.array([k[0] for k in keys]),
        cand=np.array([k[1] for k in keys]),
    )
    print(f"done {len(enc)} candidates {time.time() - started:.0f}s", flush=True)


if __name__ == "__main__":
    main()
