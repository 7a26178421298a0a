"""Issue 15: can a small learned head beat "pick the longest answer" on AlpacaEval best-of-11? (not a test)

Prompt-disjoint 5-fold cross-validation on alpaca_bon16 (400 prompts x 11 gold candidates), the folds of
``benchmarks/quality_alpaca_bon.py`` (``random.Random(0)`` shuffle, fold f = every 5th prompt from f).
Each attempt fits a small head on cached per-candidate features of the training prompts only and scores
the held-out fold; the 400 held-out prompts are pooled: exact expected gold of the best-of-11 pick
(``expected_best_of_n``, random tie-break) x100, and the paired difference to the longest-answer rule
with a 95% bootstrap CI over prompts (2000 resamples, seed 0). Heads are full-batch AdamW on the
pairwise BT loss (pairs with gold difference > thr), ListNet, or regression (see ``fit_head``).

Features: ``--features`` (the MiniLM cache of ``benchmarks/alpaca_features.py``; attempts C*), and text
statistics computed here (attempts A*, B*: log length in characters / words / lines / paragraphs, list
items, headers, code fences, type-token ratio, distinct 3-grams, zlib ratio, terminal punctuation, a
refusal phrase, prompt-word coverage, the most repeated line, upper-case share, colons) and an MBR
consensus score (mean TF-IDF cosine to the prompt's other candidates). "group-z" = z-scored within
the prompt's candidates.

Session 3 (D*, E*, N1): consensus from MiniLM embeddings, within-prompt principal components of MiniLM
features ("group-PCA": each candidate's features minus its prompt's mean, projected on the top axes
of the training folds), length-shape and length-interaction features, a policy loss (maximize the
softmax(score)-weighted gold of a prompt's candidates), SmolLM2 features (``--smollm2``: hidden states
and the completion's log-likelihood statistics; E*), and N1: nested selection, where an inner 4-fold
CV of each outer training split picks the variant, so held-out prompts never take part in the choice.
``--fold-seed`` draws other prompt-disjoint folds (0: the old ones, used by every attempt before D);
``--save`` writes the per-prompt values so runs on several seeds can be averaged. Only the
instruction and the candidate texts are used as inputs (never the index or the reference picks).
Set ``OPENBLAS_NUM_THREADS=1`` with ``--threads 1``: numpy's BLAS threads spin on a loaded machine
(an attempt took 26 s of CPU instead of 3).

Usage::

    .venv/bin/python benchmarks/quality_alpaca_heads.py A1 A2 B3             # text features only
    .venv/bin/python benchmarks/quality_alpaca_heads.py --features /tmp/bt15/minilm_512.npz C1 C10
    OPENBLAS_NUM_THREADS=1 .venv/bin/python benchmarks/quality_alpaca_heads.py --features /tmp/bt15/minilm_512.npz \
        --fold-seed 1 --save /tmp/bt15/s1.json B3n D4 D17 N1
    .venv/bin/python benchmarks/quality_alpaca_heads.py --list
"""

from __future__ import annotations

import argparse
import gzip
import json
import math
import os
import random
import re
import sys
import zlib
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch

HERE = Path(__file__).resolve().parent
SHARED = Path(os.environ.get("REWARDLAB_SHARED_DATA", HERE.parent.parent / "shared" / "data"))
sys.path.insert(0, str(HERE.parent / "src"))

from rewardlab.evaluate.metrics.bon import expected_best_of_n  # noqa: E402

K = 11
WORD = re.compile(r"\w+")


def folds_of(n: int, k: int = 5, seed: int = 0) -> list[list[int]]:
    order = list(range(n))
    random.Random(seed).shuffle(order)
    return [sorted(order[f::k]) for f in range(k)]


def text_feats(c: str, prompt: str) -> list[float]:
    words = WORD.findall(c.lower())
    nw = max(1, len(words))
    lines = [line for line in c.split("\n") if line.strip()]
    tri = list(zip(words, words[1:], words[2:], strict=False))
    pw = {w for w in WORD.findall(prompt.lower()) if len(w) > 3}
    b = c.encode()
    return [
        math.log1p(len(c)),
        math.log1p(len(words)),
        math.log1p(len(lines)),
        math.log1p(c.count("\n\n")),
        math.log1p(sum(bool(re.match(r"\s*([-*•]|\d+[.)])\s", line)) for line in lines)),
        math.log1p(sum(line.lstrip().startswith("#") for line in lines)),
        math.log1p(c.count("```")),
        len(set(words)) / nw,
        (len(set(tri)) / max(1, len(tri))) if tri else 1.0,
        len(zlib.compress(b)) / max(1, len(b)),
        float(c.rstrip()[-1:] in ".!?)\"'`*" if c.strip() else 0),
        float(bool(re.search(r"\b(sorry|as an ai|i cannot|i can't|language model)\b", c.lower()))),
        (len(pw & set(words)) / len(pw)) if pw else 0.0,
        math.log1p(max((lines.count(line) for line in lines), default=0)),
        sum(ch.isupper() for ch in c) / max(1, len(c)),
        math.log1p(c.count(":")),
    ]


class Lab:
    def __init__(
        self,
        data: Path,
        features: Path | None,
        smollm2: list[Path] | None = None,
        fold_seed: int = 0,
        prompts: int | None = None,
    ) -> None:
        with gzip.open(data, "rt", encoding="utf-8") as fh:
            self.rows = [json.loads(line) for line in fh][:prompts]
        self.P = len(self.rows)
        self.gold = np.array([[r["gold"][k] for k in range(K)] for r in self.rows], float)
        self.cands = [[r["candidates"][k] for k in range(K)] for r in self.rows]
        self.fold_seed = fold_seed
        self.folds = folds_of(self.P, seed=fold_seed)
        self.hand = np.array(
            [[text_feats(self.cands[p][k], self.rows[p]["instruction"]) for k in range(K)] for p in range(self.P)]
        )
        self.loglen = self.hand[:, :, 0]
        self.mbr = self._mbr()
        self.long11 = self.bon(np.array([[len(c) for c in cs] for cs in self.cands], float), tie="index")
        self.minilm: dict[str, np.ndarray] = {}
        if features is not None:
            f = np.load(features)
            pos = {r["id"]: i for i, r in enumerate(self.rows)}
            for name in ("cm", "cls", "mean"):
                a = f[name]
                out = np.zeros((self.P, K, *a.shape[1:]), np.float32)
                for n, (rid, k) in enumerate(zip(f["ids"], f["cand"], strict=True)):
                    if str(rid) in pos:
                        out[pos[str(rid)], int(k)] = a[n]
                self.minilm[name] = out
        self.smol: dict[str, np.ndarray] = {}
        if smollm2:
            parts = [np.load(path) for path in smollm2]
            f = {k: np.concatenate([part[k] for part in parts]) for k in ("last", "cm", "lp", "ids", "cand")}
            f["layers"] = parts[0]["layers"]
            pos = {r["id"]: i for i, r in enumerate(self.rows)}
            for name in ("last", "cm", "lp"):
                a = f[name]
                out = np.zeros((self.P, K, *a.shape[1:]), np.float32)
                for n, (rid, k) in enumerate(zip(f["ids"], f["cand"], strict=True)):
                    if str(rid) in pos:
                        out[pos[str(rid)], int(k)] = a[n]
                self.smol[name] = out
            missing = {r["id"] for r in self.rows} - {str(i) for i in f["ids"]}
            if missing:
                raise SystemExit(f"{smollm2}: no features for {len(missing)} prompts; use --prompts")
            self.smol_layers = [int(x) for x in f["layers"]]

    def _mbr(self) -> np.ndarray:
        docs = [[Counter(WORD.findall(c.lower())) for c in cs] for cs in self.cands]
        df = Counter(w for ds in docs for d in ds for w in d)
        n_docs = sum(len(ds) for ds in docs)

        def vec(d: Counter[str]) -> dict[str, float]:
            v = {w: (1 + math.log(c)) * math.log(n_docs / df[w]) for w, c in d.items()}
            norm = math.sqrt(sum(x * x for x in v.values())) or 1.0
            return {w: x / norm for w, x in v.items()}

        out = np.zeros((self.P, K))
        for p in range(self.P):
            vs = [vec(d) for d in docs[p]]
            for i in range(K):
                sims = [sum(x * vs[j].get(w, 0.0) for w, x in vs[i].items()) for j in range(K) if j != i]
                out[p, i] = float(np.mean(sims))
        return out

    def bon(self, scores: np.ndarray, n: int = 11, tie: str = "random") -> np.ndarray:
        return np.array(
            [expected_best_of_n(list(scores[p]), list(self.gold[p]), n, tie_break=tie) for p in range(self.P)]  # type: ignore[arg-type]
        )

    def report(self, name: str, scores: np.ndarray) -> dict[str, float]:
        return self.report_values(name, self.bon(scores))

    def report_values(self, name: str, v: np.ndarray) -> dict[str, float]:
        d = v - self.long11
        rng = np.random.default_rng(0)
        boots = [d[rng.integers(0, self.P, self.P)].mean() for _ in range(2000)]
        lo, hi = np.percentile(boots, [2.5, 97.5])
        print(
            f"{name:64s} N=11 {100 * v.mean():6.2f}  vs longest {100 * d.mean():+6.2f} "
            f"[{100 * lo:+.2f}, {100 * hi:+.2f}]",
            flush=True,
        )
        return {"mean": 100 * v.mean(), "diff": 100 * d.mean(), "lo": 100 * lo, "hi": 100 * hi}

    def fit_head(
        self,
        x: np.ndarray,
        tr: list[int],
        *,
        loss: str = "pairs",
        thr: float = 0.25,
        epochs: int = 200,
        lr: float = 1e-2,
        wd: float = 1e-3,
        hidden: int = 0,
        seed: int = 0,
        margin: bool = False,
    ) -> np.ndarray:
        torch.manual_seed(seed)
        xt = torch.tensor(x, dtype=torch.float32)
        g = torch.tensor(self.gold, dtype=torch.float32)
        if hidden:
            net: torch.nn.Module = torch.nn.Sequential(
                torch.nn.Dropout(0.1), torch.nn.Linear(x.shape[-1], hidden), torch.nn.GELU(), torch.nn.Linear(hidden, 1)
            )
        else:
            net = torch.nn.Linear(x.shape[-1], 1)
        opt = torch.optim.AdamW(net.parameters(), lr=lr, weight_decay=wd)
        idx = torch.tensor(tr)
        xtr, gtr = xt[idx], g[idx]
        dg = gtr.unsqueeze(2) - gtr.unsqueeze(1)
        if loss == "best":
            mask = torch.zeros_like(dg)
            for i, b in enumerate(gtr.argmax(1).tolist()):
                mask[i, b] = (dg[i, b] > 0).float()
        else:
            mask = (dg > thr).float()
        for _ in range(epochs):
            net.train()
            opt.zero_grad()
            s = net(xtr).squeeze(-1)
            if loss in ("pairs", "best"):
                diff = s.unsqueeze(2) - s.unsqueeze(1)
                if margin:
                    diff = diff - dg
                value = (torch.nn.functional.softplus(-diff) * mask).sum() / mask.sum()
            elif loss == "policy":
                value = -(torch.softmax(s, 1) * gtr).sum(1).mean()
            elif loss == "listnet":
                value = -(torch.softmax(gtr / 0.1, 1) * torch.log_softmax(s, 1)).sum(1).mean()
            else:
                value = ((s - s.mean(1, keepdim=True)) - (gtr - gtr.mean(1, keepdim=True))).pow(2).mean()
            value.backward()
            opt.step()
        net.eval()
        with torch.no_grad():
            return net(xt).squeeze(-1).numpy()

    def odin(self, x: np.ndarray, tr: list[int], *, keep: str = "q", thr: float = 0.25) -> np.ndarray:
        """Two linear heads, r = q + l, BT-trained; l made to correlate with log length, q not (and
        orthogonal weights), as ODIN (Chen et al. 2024); scored with q alone (``keep='q'``) or q + l."""
        torch.manual_seed(0)
        xt = torch.tensor(x, dtype=torch.float32)
        g = torch.tensor(self.gold, dtype=torch.float32)
        ln = torch.tensor(self.loglen, dtype=torch.float32)
        q, lh = torch.nn.Linear(x.shape[-1], 1), torch.nn.Linear(x.shape[-1], 1)
        opt = torch.optim.AdamW([*q.parameters(), *lh.parameters()], lr=3e-3, weight_decay=1e-2)
        idx = torch.tensor(tr)
        xtr, gtr, ltr = xt[idx], g[idx], ln[idx]
        dg = gtr.unsqueeze(2) - gtr.unsqueeze(1)
        mask = (dg > thr).float()

        def corr(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
            a, b = a.flatten() - a.mean(), b.flatten() - b.mean()
            return (a * b).sum() / (a.norm() * b.norm() + 1e-8)

        for _ in range(300):
            opt.zero_grad()
            sq, sl = q(xtr).squeeze(-1), lh(xtr).squeeze(-1)
            s = sq + sl
            diff = s.unsqueeze(2) - s.unsqueeze(1)
            bt = (torch.nn.functional.softplus(-diff) * mask).sum() / mask.sum()
            value = bt + corr(sq, ltr).abs() - corr(sl, ltr) + (q.weight * lh.weight).sum().abs()
            value.backward()
            opt.step()
        with torch.no_grad():
            sq, sl = q(xt).squeeze(-1).numpy(), lh(xt).squeeze(-1).numpy()
        return sq if keep == "q" else sq + sl

    def cv(
        self,
        make_x: Callable[[list[int]], np.ndarray],
        fit: Callable[..., np.ndarray] | None = None,
        folds: list[list[int]] | None = None,
        **kw: object,
    ) -> np.ndarray:
        out = np.zeros((self.P, K))
        every = sorted({i for f in (folds or self.folds) for i in f})
        for te in folds or self.folds:
            held = set(te)
            tr = [i for i in every if i not in held]
            out[te] = (fit or self.fit_head)(make_x(tr), tr, **kw)[te]
        return out

    def nested(self, variants: dict[str, tuple[Callable[[list[int]], np.ndarray], dict[str, object]]]) -> np.ndarray:
        """Nested selection: in each outer fold, an inner 4-fold CV of the training prompts picks the
        variant with the best out-of-fold best-of-11 gold; it is refitted on the outer training
        prompts and scores the held-out fold. Held-out prompts never take part in the choice."""
        out = np.zeros((self.P, K))
        for f, te in enumerate(self.folds):
            held = set(te)
            tr = [i for i in range(self.P) if i not in held]
            inner = [tr[j::4] for j in range(4)]
            best, best_v = "", -1.0
            for name, (make_x, kw) in variants.items():
                oof = self.cv(make_x, folds=inner, **kw)
                v = float(self.bon_rows(oof, tr).mean())
                if v > best_v:
                    best, best_v = name, v
            make_x, kw = variants[best]
            out[te] = self.fit_head(make_x(tr), tr, **kw)[te]  # type: ignore[arg-type]
            print(f"  nested fold {f}: picked {best} (inner {100 * best_v:.2f})", flush=True)
        return out

    def bon_rows(self, scores: np.ndarray, rows: list[int], n: int = 11) -> np.ndarray:
        return np.array(
            [expected_best_of_n(list(scores[p]), list(self.gold[p]), n, tie_break="random") for p in rows]  # type: ignore[arg-type]
        )

    def zs(self, x: np.ndarray, tr: list[int]) -> np.ndarray:
        flat = x[tr].reshape(-1, x.shape[-1])
        return (x - flat.mean(0)) / (flat.std(0) + 1e-6)


def gz(x: np.ndarray) -> np.ndarray:
    return (x - x.mean(1, keepdims=True)) / (x.std(1, keepdims=True) + 1e-9)


def emb_mbr(e: np.ndarray) -> np.ndarray:
    """[P, K] mean cosine of each candidate's embedding to the other candidates of its prompt."""
    u = e / (np.linalg.norm(e, axis=-1, keepdims=True) + 1e-9)
    sim = np.einsum("pid,pjd->pij", u, u)
    return (sim.sum(2) - np.einsum("pii->pi", sim)) / (e.shape[1] - 1)


def group_pca(x: np.ndarray, tr: list[int], k: int) -> np.ndarray:
    """Within-prompt centred features projected on their top-k principal axes (fitted on ``tr``)."""
    c = x - x.mean(1, keepdims=True)
    flat = c[tr].reshape(-1, c.shape[-1])
    _, _, vt = np.linalg.svd(flat - flat.mean(0), full_matrices=False)
    return c @ vt[:k].T


def attempts(lab: Lab) -> dict[str, tuple[str, Callable[[], np.ndarray]]]:
    hand = lambda tr: lab.zs(lab.hand, tr)  # noqa: E731
    gh = np.stack([gz(lab.hand[:, :, j]) for j in range(lab.hand.shape[2])], 2)
    hm = np.concatenate([lab.hand, lab.mbr[:, :, None], gz(lab.mbr)[:, :, None], gz(lab.loglen)[:, :, None]], 2)
    x2 = np.concatenate([lab.hand, gh, lab.mbr[:, :, None], gz(lab.mbr)[:, :, None]], 2)
    out: dict[str, tuple[str, Callable[[], np.ndarray]]] = {
        "A1": ("text features, linear BT pairs thr .25", lambda: lab.cv(hand)),
        "A2": ("text features, linear ListNet", lambda: lab.cv(hand, loss="listnet")),
        "A3": ("text features, linear regression on within-prompt gold", lambda: lab.cv(hand, loss="regress")),
        "A4": ("text features, pairs thr 0", lambda: lab.cv(hand, thr=0.0)),
        "A5": ("text features, pairs thr .5", lambda: lab.cv(hand, thr=0.5)),
        "A6": ("text features, best vs rest", lambda: lab.cv(hand, loss="best")),
        "A7": ("text features, thr .25 + margin from gold", lambda: lab.cv(hand, margin=True)),
        "A8": ("text features, MLP 32", lambda: lab.cv(hand, hidden=32, epochs=300)),
        "A9": (
            "text features, MLP 32 x5 seeds (sum)",
            lambda: sum(lab.cv(hand, seed=s, hidden=32, epochs=300) for s in range(5)),
        ),
        "B1": ("MBR TF-IDF consensus alone (no training)", lambda: lab.mbr),
        "B2a": ("group-z(len) + 0.25 group-z(MBR) (no training)", lambda: gz(lab.loglen) + 0.25 * gz(lab.mbr)),
        "B2b": ("group-z(len) + 0.5 group-z(MBR) (no training)", lambda: gz(lab.loglen) + 0.5 * gz(lab.mbr)),
        "B2c": ("group-z(len) + 1.0 group-z(MBR) (no training)", lambda: gz(lab.loglen) + gz(lab.mbr)),
        "B3": ("text + MBR + group-z(len, MBR), linear BT thr .25", lambda: lab.cv(lambda tr: lab.zs(hm, tr))),
        "B4": (
            "text + group-z(text), linear BT thr .25",
            lambda: lab.cv(lambda tr: lab.zs(np.concatenate([lab.hand, gh], 2), tr)),
        ),
        "B5": ("text + group-z(text) + MBR, linear BT thr .25", lambda: lab.cv(lambda tr: lab.zs(x2, tr))),
        "B6": ("B5 with ListNet", lambda: lab.cv(lambda tr: lab.zs(x2, tr), loss="listnet")),
        "B7": ("B5 with thr .5", lambda: lab.cv(lambda tr: lab.zs(x2, tr), thr=0.5)),
    }
    if lab.minilm:
        cm, e = lab.minilm["cm"], {"epochs": 300, "lr": 3e-3, "wd": 1e-2}
        l6 = cm[:, :, -1]
        z6 = lambda tr: lab.zs(l6, tr)  # noqa: E731
        out |= {
            "C1": ("MiniLM completion_mean (the train bt probe), BT thr .25", lambda: lab.cv(z6, **e)),
            "C2": ("C1 with thr .5", lambda: lab.cv(z6, thr=0.5, **e)),
            "C3": ("C1 with thr 0", lambda: lab.cv(z6, thr=0.0, **e)),
            "C4": ("C1 best vs rest", lambda: lab.cv(z6, loss="best", **e)),
            "C5": ("C1 + margin from gold", lambda: lab.cv(z6, margin=True, **e)),
            "C6": ("MiniLM cls pooling", lambda: lab.cv(lambda tr: lab.zs(lab.minilm["cls"], tr), **e)),
            "C7": (
                "MiniLM mean pooling (prompt + completion)",
                lambda: lab.cv(lambda tr: lab.zs(lab.minilm["mean"], tr), **e),
            ),
            "C8": (
                "MiniLM layers 4-6 concatenated",
                lambda: lab.cv(lambda tr: lab.zs(cm[:, :, 4:].reshape(lab.P, K, -1), tr), **e),
            ),
            "C9": (
                "MiniLM layers 0-6 concatenated (wd .1)",
                lambda: lab.cv(lambda tr: lab.zs(cm.reshape(lab.P, K, -1), tr), epochs=300, lr=3e-3, wd=0.1),
            ),
            "C10": (
                "C1 features + log length",
                lambda: lab.cv(lambda tr: lab.zs(np.concatenate([l6, lab.loglen[:, :, None]], 2), tr), **e),
            ),
            "C11": (
                "C1 features + text + MBR",
                lambda: lab.cv(lambda tr: lab.zs(np.concatenate([l6, hm], 2), tr), **e),
            ),
            "C12": ("ODIN: length head dropped at scoring", lambda: lab.cv(z6, fit=lab.odin)),
            "C13": ("ODIN: both heads kept", lambda: lab.cv(z6, fit=lab.odin, keep="both")),
            "C14": (
                "C1 x5 bootstrap-free seeds, group-z mean (ensemble)",
                lambda: sum(gz(lab.cv(z6, seed=s, **e)) for s in range(5)),
            ),
        }
    out |= d_attempts(lab, hm)
    out |= f_attempts(lab, hm)
    return out


_SUFFIX = re.compile(r"(ies|ied|ing|ed|es|s|ly)$")


def stem(word: str) -> str:
    """A light suffix stripper (plural, -ing, -ed, -ly) for words of five letters or more."""
    return _SUFFIX.sub("", word) if len(word) >= 5 else word


def recall_consensus(
    groups: list[list[str]], k: int = K, weight: str = "tfidf", ngram: int = 1, stemmed: bool = False
) -> np.ndarray:
    """[P, k] MBR with a recall utility: for each of a prompt's first ``k`` candidates, the mean over the
    prompt's other candidates (all of ``groups[p]``, labelled or not) of the share of that other candidate's
    term weight that this candidate also contains. Term weights: (1 + log tf) * idf (``tfidf``), idf, or 1
    (``bin``); idf over every candidate of the file. No labels are used."""

    def terms(c: str) -> Counter[object]:
        words = WORD.findall(c.lower())
        if stemmed:
            words = [stem(w) for w in words]
        return Counter(words if ngram == 1 else zip(*[words[i:] for i in range(ngram)], strict=False))

    docs = [[terms(c) for c in cs] for cs in groups]
    df = Counter(w for ds in docs for d in ds for w in d)
    n_docs = sum(len(ds) for ds in docs)

    def vec(d: Counter[object]) -> dict[object, float]:
        if weight == "bin":
            return dict.fromkeys(d, 1.0)
        idf = {w: math.log(n_docs / df[w]) for w in d}
        return idf if weight == "idf" else {w: (1 + math.log(c)) * idf[w] for w, c in d.items()}

    out = np.zeros((len(groups), k))
    for p, ds in enumerate(docs):
        vs = [vec(d) for d in ds]
        mass = [sum(v.values()) or 1.0 for v in vs]
        for i in range(k):
            shares = [sum(x for w, x in vs[j].items() if w in vs[i]) / mass[j] for j in range(len(vs)) if j != i]
            out[p, i] = float(np.mean(shares))
    return out


def f_attempts(lab: Lab, hm: np.ndarray) -> dict[str, tuple[str, Callable[[], np.ndarray]]]:
    """Session 4 (F*): recall-MBR consensus -- how much of the other samples' content a candidate covers --
    over the 11 gold candidates or all 16 samples of the prompt (indices 11-15 have text, no gold)."""
    all16 = [r["candidates"] for r in lab.rows]
    cache: dict[object, np.ndarray] = {}

    def rec(n: int, weight: str = "tfidf", ngram: int = 1) -> np.ndarray:
        key = (n, weight, ngram)
        if key not in cache:
            cache[key] = recall_consensus([cs[:n] for cs in all16], weight=weight, ngram=ngram)
        return cache[key]

    def with_(*fs: Callable[[], np.ndarray], base: np.ndarray | None = hm) -> Callable[[list[int]], np.ndarray]:
        def make(tr: list[int]) -> np.ndarray:
            extra = [np.stack([f(), gz(f())], 2) for f in fs]
            parts = ([base] if base is not None else []) + extra
            return lab.zs(np.concatenate(parts, 2), tr)

        return make

    def prec16() -> np.ndarray:
        """The converse: the share of this candidate's own term weight found in the other samples."""
        docs = [[Counter(WORD.findall(c.lower())) for c in cs] for cs in all16]
        df = Counter(w for ds in docs for d in ds for w in d)
        n_docs = sum(len(ds) for ds in docs)
        out = np.zeros((lab.P, K))
        for p, ds in enumerate(docs):
            vs = [{w: (1 + math.log(c)) * math.log(n_docs / df[w]) for w, c in d.items()} for d in ds]
            for i in range(K):
                own = sum(vs[i].values()) or 1.0
                shares = [sum(x for w, x in vs[i].items() if w in vs[j]) / own for j in range(len(vs)) if j != i]
                out[p, i] = float(np.mean(shares))
        return out

    ll = lambda: lab.loglen  # noqa: E731

    def rec16s() -> np.ndarray:
        if "rec16s" not in cache:
            cache["rec16s"] = recall_consensus(all16, stemmed=True)
        return cache["rec16s"]

    def cos16() -> np.ndarray:
        """Cosine consensus (B1's) over all 16 samples of the prompt."""
        if "cos16" not in cache:
            docs = [[Counter(WORD.findall(c.lower())) for c in cs] for cs in all16]
            df = Counter(w for ds in docs for d in ds for w in d)
            n_docs = sum(len(ds) for ds in docs)
            out = np.zeros((lab.P, K))
            for p, ds in enumerate(docs):
                vs = [{w: (1 + math.log(c)) * math.log(n_docs / df[w]) for w, c in d.items()} for d in ds]
                norms = [math.sqrt(sum(x * x for x in v.values())) or 1.0 for v in vs]
                for i in range(K):
                    sims = [
                        sum(x * vs[j].get(w, 0.0) for w, x in vs[i].items()) / (norms[i] * norms[j])
                        for j in range(len(vs))
                        if j != i
                    ]
                    out[p, i] = float(np.mean(sims))
            cache["cos16"] = out
        return cache["cos16"]

    out: dict[str, tuple[str, Callable[[], np.ndarray]]] = {
        "F1": ("recall consensus over all 16 samples, tf-idf weights (no training)", lambda: rec(16)),
        "F2": ("recall consensus over the 11 gold candidates only (no training)", lambda: rec(11)),
        "F3": ("F1 with idf weights", lambda: rec(16, "idf")),
        "F4": ("F1 with binary weights", lambda: rec(16, "bin")),
        "F5": ("F2 with binary weights", lambda: rec(11, "bin")),
        "F6": ("F1 on word bigrams", lambda: rec(16, ngram=2)),
        "F7": ("F2 on word bigrams, idf weights", lambda: rec(11, "idf", 2)),
        "F8": ("precision consensus over 16 samples (no training)", prec16),
        "F9": ("F1 on lightly stemmed words", lambda: rec16s()),
        "H7": ("log length + F9 (raw, group-z), BT thr .25", lambda: lab.cv(with_(ll, rec16s, base=None))),
        "H1": ("B3 + F1 (raw, group-z), linear BT thr .25", lambda: lab.cv(with_(lambda: rec(16)))),
        "H2": ("B3 + F1 + F8, linear BT thr .25", lambda: lab.cv(with_(lambda: rec(16), prec16))),
        "H3": ("B3 + F2 (11 candidates only), linear BT thr .25", lambda: lab.cv(with_(lambda: rec(11)))),
        "H4": ("log length + F1 (raw, group-z), BT thr .25", lambda: lab.cv(with_(ll, lambda: rec(16), base=None))),
        "H5": ("log length + F2 (raw, group-z), BT thr .25", lambda: lab.cv(with_(ll, lambda: rec(11), base=None))),
        "H6": (
            "log length + F1 + cosine consensus over 16 (raw, group-z), BT thr .25",
            lambda: lab.cv(with_(ll, lambda: rec(16), cos16, base=None)),
        ),
    }

    def unigram() -> np.ndarray:
        """[P, K, 2] mean and std of each candidate's word log-frequency in the whole file (a unigram LM)."""
        if "unigram" not in cache:
            tf = Counter(w for cs in all16 for c in cs for w in WORD.findall(c.lower()))
            total = sum(tf.values())
            out = np.zeros((lab.P, K, 2))
            for p, cs in enumerate(lab.cands):
                for i, c in enumerate(cs):
                    lp = [math.log(tf[w] / total) for w in WORD.findall(c.lower())] or [0.0]
                    out[p, i] = [float(np.mean(lp)), float(np.std(lp))]
            cache["unigram"] = out
        return cache["unigram"]

    out["H9"] = (
        "H4 + unigram log-frequency mean and std of the words (raw, group-z), BT thr .25",
        lambda: lab.cv(with_(ll, lambda: rec(16), lambda: unigram()[:, :, 0], lambda: unigram()[:, :, 1], base=None)),
    )
    if lab.smol:
        cols = [lambda j=j: lab.smol["lp"][:, :, j] for j in range(len(LP_NAMES))]
        out["H8"] = (
            "H4 + the 8 SmolLM2 log-likelihood statistics (raw, group-z), BT thr .25",
            lambda: lab.cv(with_(ll, lambda: rec(16), *cols, base=None)),
        )
    return out


def d_attempts(lab: Lab, hm: np.ndarray) -> dict[str, tuple[str, Callable[[], np.ndarray]]]:
    """Session 3 (D*): embedding consensus, within-prompt backbone features, SmolLM2 log-likelihoods."""
    out: dict[str, tuple[str, Callable[[], np.ndarray]]] = {}
    b3 = lambda tr: lab.zs(hm, tr)  # noqa: E731
    zl = gz(lab.loglen)
    rank = np.argsort(np.argsort(lab.loglen, 1), 1) / (K - 1)
    shape = np.stack([zl**2, rank, (rank == 1).astype(float)], 2)
    plen = np.array([[math.log1p(len(r["instruction"]))] * K for r in lab.rows])
    ctx = np.stack(
        [
            plen,
            np.repeat(lab.loglen.mean(1, keepdims=True), K, 1),
            np.repeat(lab.loglen.std(1, keepdims=True), K, 1),
            np.repeat(lab.mbr.mean(1, keepdims=True), K, 1),
        ],
        2,
    )
    inter = zl[:, :, None] * ctx
    d11 = np.concatenate([hm, shape], 2)
    d12 = np.concatenate([hm, inter], 2)
    out |= {
        "D11": (
            "B3 + length shape (group-z(len)^2, length rank, is-longest), linear BT",
            lambda: lab.cv(lambda tr: lab.zs(d11, tr)),
        ),
        "D17": (
            "B3 features, policy loss: maximize the softmax(score)-weighted gold of the prompt's candidates",
            lambda: lab.cv(b3, loss="policy", epochs=300),
        ),
        "D21": ("D17 with 600 epochs", lambda: lab.cv(b3, loss="policy", epochs=600)),
        "D22": ("D17 with weight decay .1", lambda: lab.cv(b3, loss="policy", epochs=300, wd=0.1)),
        "D12": (
            "B3 + group-z(len) x (prompt length, group mean / std of length, group mean MBR), linear BT",
            lambda: lab.cv(lambda tr: lab.zs(d12, tr)),
        ),
    }
    if lab.minilm:
        cm = lab.minilm["cm"]
        m6 = emb_mbr(cm[:, :, -1])
        mall = np.stack([emb_mbr(cm[:, :, j]) for j in range(cm.shape[2])], 2)
        d2 = np.concatenate([hm, m6[:, :, None], gz(m6)[:, :, None]], 2)
        d3 = np.concatenate([hm, mall, gz(mall)], 2)

        def b3_pca(k: int) -> Callable[[list[int]], np.ndarray]:
            """B3's features + group-PCA(k) of MiniLM layer 6, fitted on the training prompts ``tr``."""
            return lambda tr: lab.zs(np.concatenate([hm, group_pca(cm[:, :, -1], tr, k)], 2), tr)

        out |= {
            "D1": ("MBR MiniLM: mean cosine to the other candidates (layer 6, no training)", lambda: m6),
            "D1b": ("group-z(len) + 0.5 group-z(MBR MiniLM) (no training)", lambda: gz(lab.loglen) + 0.5 * gz(m6)),
            "D2": ("B3 + MBR MiniLM (raw, group-z), linear BT thr .25", lambda: lab.cv(lambda tr: lab.zs(d2, tr))),
            "D3": (
                "B3 + MBR MiniLM of every layer 0-6 (raw, group-z), linear BT thr .25",
                lambda: lab.cv(lambda tr: lab.zs(d3, tr)),
            ),
            "D4": (
                "B3 + group-PCA(16) of MiniLM layer 6 (within-prompt centred), BT thr .25",
                lambda: lab.cv(b3_pca(16)),
            ),
            "D6": ("B3 + group-PCA(8) of MiniLM layer 6, linear BT thr .25", lambda: lab.cv(b3_pca(8))),
            "D7": ("B3 + group-PCA(32) of MiniLM layer 6, linear BT thr .25", lambda: lab.cv(b3_pca(32))),
            "D8": ("B3 + group-PCA(64) of MiniLM layer 6, linear BT thr .25", lambda: lab.cv(b3_pca(64))),
            "D9": (
                "B3 + group-PCA(16) of MiniLM layers 3-6 concatenated, linear BT thr .25",
                lambda: lab.cv(
                    lambda tr: lab.zs(
                        np.concatenate([hm, group_pca(cm[:, :, 3:].reshape(lab.P, K, -1), tr, 16)], 2), tr
                    )
                ),
            ),
            "D10": (
                "group-PCA(16) of MiniLM layer 6 alone, linear BT thr .25",
                lambda: lab.cv(lambda tr: lab.zs(group_pca(cm[:, :, -1], tr, 16), tr)),
            ),
            "D13": (
                "D4 + D11 + D12 features, linear BT",
                lambda: lab.cv(
                    lambda tr: lab.zs(np.concatenate([hm, shape, inter, group_pca(cm[:, :, -1], tr, 16)], 2), tr)
                ),
            ),
            "D14": (
                "D4 with ListNet",
                lambda: lab.cv(b3_pca(16), loss="listnet"),
            ),
            "D15": (
                "B3 + group-PCA(16) of MiniLM all-token mean (prompt + completion), linear BT",
                lambda: lab.cv(lambda tr: lab.zs(np.concatenate([hm, group_pca(lab.minilm["mean"], tr, 16)], 2), tr)),
            ),
            "D16": (
                "B3 + group-PCA(16) of MiniLM CLS, linear BT",
                lambda: lab.cv(lambda tr: lab.zs(np.concatenate([hm, group_pca(lab.minilm["cls"], tr, 16)], 2), tr)),
            ),
            "D19": (
                "D4 features (B3 + group-PCA(16) MiniLM), policy loss",
                lambda: lab.cv(
                    b3_pca(16),
                    loss="policy",
                    epochs=300,
                ),
            ),
            "D20": (
                "D15 features (B3 + group-PCA(16) MiniLM all-token mean), policy loss",
                lambda: lab.cv(
                    lambda tr: lab.zs(np.concatenate([hm, group_pca(lab.minilm["mean"], tr, 16)], 2), tr),
                    loss="policy",
                    epochs=300,
                ),
            ),
            "N1": (
                "nested selection among B3, D4, D9, D13, D14, D15, D17, D21, D22 (inner 4-fold CV of training)",
                lambda: lab.nested(
                    {
                        "B3": (b3, {}),
                        "D4": (b3_pca(16), {}),
                        "D9": (
                            lambda tr: lab.zs(
                                np.concatenate([hm, group_pca(cm[:, :, 3:].reshape(lab.P, K, -1), tr, 16)], 2), tr
                            ),
                            {},
                        ),
                        "D13": (
                            lambda tr: lab.zs(
                                np.concatenate([hm, shape, inter, group_pca(cm[:, :, -1], tr, 16)], 2), tr
                            ),
                            {},
                        ),
                        "D14": (
                            b3_pca(16),
                            {"loss": "listnet"},
                        ),
                        "D15": (
                            lambda tr: lab.zs(np.concatenate([hm, group_pca(lab.minilm["mean"], tr, 16)], 2), tr),
                            {},
                        ),
                        "D17": (b3, {"loss": "policy", "epochs": 300}),
                        "D21": (b3, {"loss": "policy", "epochs": 600}),
                        "D22": (b3, {"loss": "policy", "epochs": 300, "wd": 0.1}),
                    }
                ),
            ),
            "D18": (
                "mean of the group-z scores of B3, D4 and D15 (ensemble of three heads)",
                lambda: sum(gz(table_[k][1]()) for k in ("B3n", "D4", "D15")),
            ),
            "D5": (
                "B3 + group-z MiniLM layer 6 (384), linear BT thr .25, wd .1, 300 epochs lr 3e-3",
                lambda: lab.cv(
                    lambda tr: lab.zs(np.concatenate([hm, gz(cm[:, :, -1])], 2), tr), epochs=300, lr=3e-3, wd=0.1
                ),
            ),
        }
    if lab.smol:
        lp = lab.smol["lp"]
        glp = np.stack([gz(lp[:, :, j]) for j in range(lp.shape[2])], 2)
        last, scm = lab.smol["last"], lab.smol["cm"]
        top = len(lab.smol_layers) - 1
        e6 = dict(epochs=300, lr=3e-3, wd=0.1)
        s_m = emb_mbr(scm[:, :, top])
        out |= {
            "E1": ("SmolLM2 mean log-prob of the completion (no training)", lambda: lp[:, :, 0]),
            "E1b": ("SmolLM2 self-certainty (no training)", lambda: lp[:, :, 5]),
            "E1c": ("SmolLM2 - mean entropy (no training)", lambda: -lp[:, :, 4]),
            "E2": (
                "SmolLM2 log-prob stats (8, raw + group-z), linear BT thr .25",
                lambda: lab.cv(lambda tr: lab.zs(np.concatenate([lp, glp], 2), tr)),
            ),
            "E3": (
                "B3 + SmolLM2 log-prob stats (raw + group-z), linear BT thr .25",
                lambda: lab.cv(lambda tr: lab.zs(np.concatenate([hm, lp, glp], 2), tr)),
            ),
            "E4": (
                "SmolLM2 last token, last layer, linear BT thr .25 (wd .1)",
                lambda: lab.cv(lambda tr: lab.zs(last[:, :, top], tr), **e6),
            ),
            "E5": (
                "SmolLM2 completion mean, last layer, linear BT thr .25 (wd .1)",
                lambda: lab.cv(lambda tr: lab.zs(scm[:, :, top], tr), **e6),
            ),
            "E6": ("MBR SmolLM2 completion mean, last layer (no training)", lambda: s_m),
            "E7": (
                "B3 + SmolLM2 log-prob stats + MBR SmolLM2 (raw + group-z), linear BT thr .25",
                lambda: lab.cv(
                    lambda tr: lab.zs(np.concatenate([hm, lp, glp, s_m[:, :, None], gz(s_m)[:, :, None]], 2), tr)
                ),
            ),
        }
        for j, layer in enumerate(lab.smol_layers):
            out[f"E8L{layer}"] = (
                f"SmolLM2 completion mean, layer {layer}, linear BT thr .25 (wd .1)",
                lambda j=j: lab.cv(lambda tr: lab.zs(scm[:, :, j], tr), **e6),
            )
            out[f"E9L{layer}"] = (
                f"SmolLM2 last token, layer {layer}, linear BT thr .25 (wd .1)",
                lambda j=j: lab.cv(lambda tr: lab.zs(last[:, :, j], tr), **e6),
            )
    out["B3n"] = ("B3 again (the reference for these folds)", lambda: lab.cv(b3))
    table_ = out
    return out


LP_NAMES = (
    "mean log-prob",
    "log-prob std",
    "log-prob 10% quantile",
    "min log-prob",
    "mean entropy",
    "mean self-certainty",
    "mean log-prob, first 32 tokens",
    "log token count",
)


def signals(lab: Lab) -> None:
    """Within-prompt signal of each SmolLM2 statistic, untrained: mean Spearman with gold over prompts,
    the same after removing a within-prompt linear fit on log length from both (partial), pair
    accuracy on pairs with gold difference > .25, and best-of-11 gold of its argmax (x100)."""
    from scipy.stats import spearmanr

    def partial(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> float:
        def res(y: np.ndarray) -> np.ndarray:
            x = np.stack([np.ones_like(c), c], 1)
            return y - x @ np.linalg.lstsq(x, y, rcond=None)[0]

        return float(spearmanr(res(a), res(b))[0])

    cols = [(n, lab.smol["lp"][:, :, j]) for j, n in enumerate(LP_NAMES)] + [("log length (chars)", lab.loglen)]
    for name, x in cols:
        rho = np.nanmean([spearmanr(x[p], lab.gold[p])[0] for p in range(lab.P)])
        prho = (
            np.nan if x is lab.loglen else np.nanmean([partial(x[p], lab.gold[p], lab.loglen[p]) for p in range(lab.P)])
        )
        dg = lab.gold[:, :, None] - lab.gold[:, None, :]
        dx = x[:, :, None] - x[:, None, :]
        mask = dg > 0.25
        acc = float(((dx > 0) & mask).sum() / mask.sum())
        v = lab.bon(x)
        print(
            f"{name:32s} within-prompt Spearman {rho:+.3f}  partial on length {prho:+.3f}  "
            f"pair acc {acc:.3f}  best-of-11 {100 * v.mean():.2f} (longest {100 * lab.long11.mean():.2f})",
            flush=True,
        )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("ids", nargs="*")
    ap.add_argument("--data", type=Path, default=SHARED / "alpaca_bon16.jsonl.gz")
    ap.add_argument("--features", type=Path, default=None)
    ap.add_argument("--list", action="store_true")
    ap.add_argument("--signals", action="store_true", help="untrained within-prompt signal of SmolLM2 statistics")
    ap.add_argument(
        "--smollm2", type=Path, nargs="+", default=None, help="SmolLM2 cache(s) of alpaca_features.py (E*; chunks)"
    )
    ap.add_argument("--fold-seed", type=int, default=0, help="seed of the prompt-disjoint folds (0: the old ones)")
    ap.add_argument("--prompts", type=int, default=None, help="only the first N prompts of the file")
    ap.add_argument("--save", type=Path, default=None, help="write each attempt's per-prompt N=11 gold (JSON)")
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    if args.threads == 1 and os.environ.get("OPENBLAS_NUM_THREADS") != "1":
        print("note: set OPENBLAS_NUM_THREADS=1 too (numpy's BLAS threads spin on a loaded machine)", flush=True)
    lab = Lab(args.data, args.features, args.smollm2, args.fold_seed, args.prompts)
    print(f"fold seed {args.fold_seed}, {lab.P} prompts", flush=True)
    if args.signals:
        signals(lab)
        return
    table = attempts(lab)
    if args.list or not args.ids:
        for k, (name, _) in table.items():
            print(k, name)
        return
    lab.report("longest answer (random ties)", np.array([[len(c) for c in cs] for cs in lab.cands], float))
    saved: dict[str, list[float]] = {"longest": lab.long11.tolist()}
    for k in args.ids:
        name, run = table[k]
        scores = run()
        lab.report(f"{k} {name}", scores)
        saved[k] = lab.bon(scores).tolist()
        if args.save is not None:
            args.save.write_text(json.dumps({"fold_seed": args.fold_seed, "ids": [r["id"] for r in lab.rows], **saved}))


if __name__ == "__main__":
    main()
