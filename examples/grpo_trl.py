"""GRPO with a rewardlab spec: TRL's GRPOTrainer teaches SmolLM2-135M small GSM8K-style word problems.

The task is verifiable and small enough for a CPU: one-step word problems with numbers below 20
("Ann has 7 pens and gets 5 more. How many pens does Ann have now?"), answered as
``<think>reasoning</think><answer>number</answer>``. The prompt is the chat template with one
worked example and the assistant turn opened with ``<think>`` (a prefill TRL continues; the
adapter gives it back to the completion, so the reward sees the whole turn). The reward is
``examples/grpo_arith.yaml`` through :class:`rewardlab.integrations.trl.TRLReward`: the strict
math verifier on the ``<answer>`` tag plus 0.2 for the format. Every component is logged by
the adapter (``arith/accuracy``, ``arith/format``, ``arith/ok``, ``arith/error`` ... in TRL's
logs), every step's metrics go to ``metrics.jsonl`` and every completion, with its score and
components, to ``completions.jsonl`` in the output folder.

::

    python examples/grpo_trl.py --out runs/grpo --steps 150          # about 20 s a step on one CPU core
    python examples/grpo_trl.py --out runs/grpo --steps 300          # resumes from the last checkpoint
    python examples/grpo_trl.py --export verl data/arith.parquet     # the same problems for verl / OpenRLHF

``benchmarks/grpo_rise.py`` runs this and measures the rise (held-out evaluations, CIs, the share
of hedged / empty / multi-answer completions along the way).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
SPEC = HERE / "grpo_arith.yaml"
PREFILL = "<think>"
NAMES = ("Ann", "Ben", "Cara", "Dan", "Eva", "Finn", "Gus", "Hana", "Ivo", "Jill", "Kai", "Lena")
ITEMS = ("apples", "pens", "books", "cards", "shells", "stamps", "marbles", "stickers")
ONE_SHOT = [
    {"role": "user", "content": "Mia has 4 pens and gets 3 more. How many pens does Mia have now?"},
    {"role": "assistant", "content": "<think>4 + 3 = 7</think><answer>7</answer>"},
]


# ---- the task ------------------------------------------------------------------------------------
def make_problem(rng: random.Random) -> dict[str, Any]:
    """One word problem: ``question``, ``answer`` (a string, as the math verifier reads it), ``kind``.

    >>> make_problem(random.Random(0))["question"]
    'Gus has 7 marbles and gives away 5. How many marbles are left?'
    """
    name, item = rng.choice(NAMES), rng.choice(ITEMS)
    a, b = rng.randint(2, 9), rng.randint(1, 9)
    if rng.random() < 0.5:
        question = f"{name} has {a} {item} and gets {b} more. How many {item} does {name} have now?"
        return {"question": question, "answer": str(a + b), "kind": "add"}
    question = f"{name} has {a + b} {item} and gives away {b}. How many {item} are left?"
    return {"question": question, "answer": str(a), "kind": "sub"}


def prompt_messages(question: str) -> list[dict[str, str]]:
    """The conversation TRL renders: the worked example, the question, and the opened assistant turn."""
    return [*ONE_SHOT, {"role": "user", "content": question}, {"role": "assistant", "content": PREFILL}]


def make_rows(n: int, seed: int) -> list[dict[str, Any]]:
    """``n`` distinct problems as dataset rows (``prompt``, ``answer``, ``question``, ``kind``)."""
    rng = random.Random(seed)
    rows: list[dict[str, Any]] = []
    seen: set[str] = set()
    while len(rows) < n:
        problem = make_problem(rng)
        if problem["question"] in seen or problem["question"] == ONE_SHOT[0]["content"]:
            continue
        seen.add(problem["question"])
        rows.append({**problem, "prompt": prompt_messages(problem["question"])})
    return rows


def train_and_heldout(n_train: int = 2000, n_heldout: int = 64, seed: int = 0) -> tuple[list[dict], list[dict]]:
    """Disjoint training and held-out problems."""
    rows = make_rows(n_train + n_heldout, seed)
    return rows[:n_train], rows[n_train:]


def verl_row(row: dict[str, Any], index: int, split: str = "train") -> dict[str, Any]:
    """A row of verl's RL dataset (parquet) for the same problem: no prefill (verl renders the prompt
    with the generation prompt only, so the policy writes the whole turn, ``<think>`` included).

    >>> r = verl_row(make_rows(1, 0)[0], 0)
    >>> r["reward_model"]["ground_truth"], r["prompt"][-1]["role"]
    ('2', 'user')
    """
    return {
        "data_source": "rewardlab/arith",
        "prompt": row["prompt"][:-1],
        "ability": "math",
        "reward_model": {"style": "rule", "ground_truth": row["answer"]},
        "extra_info": {"split": split, "index": index, "question": row["question"], "kind": row["kind"]},
    }


def openrlhf_row(row: dict[str, Any]) -> dict[str, Any]:
    """A row of OpenRLHF's prompt dataset (``--input_key prompt --label_key answer --apply_chat_template``)."""
    return {"prompt": row["prompt"][:-1], "answer": row["answer"]}


def export(kind: str, path: str | Path, n: int, seed: int) -> Path:
    """The training problems for verl (``.parquet``) or OpenRLHF (``.jsonl``)."""
    rows, _ = train_and_heldout(n_train=n, seed=seed)
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    if kind == "verl":
        from datasets import Dataset

        Dataset.from_list([verl_row(r, i) for i, r in enumerate(rows)]).to_parquet(str(out))
    elif kind == "openrlhf":
        out.write_text("".join(json.dumps(openrlhf_row(r)) + "\n" for r in rows), encoding="utf-8")
    else:
        raise ValueError(f"--export must be 'verl' or 'openrlhf', got {kind!r}")
    return out


# ---- logging -------------------------------------------------------------------------------------
class CompletionLog:
    """``on_scored`` hook of the adapter: one JSON line per completion (picklable: holds a path)."""

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)

    def __call__(self, samples: Sequence[Any], results: Sequence[Any], step: int | None) -> None:
        with open(self.path, "a", encoding="utf-8") as fh:
            for i, (sample, result) in enumerate(zip(samples, results, strict=True)):
                row = {
                    "step": step,
                    "index": i,
                    "question": sample.get("question"),
                    "answer": sample.get("answer"),
                    "completion": sample.completion_text,
                    "score": result.score,
                    "status": result.status.value,
                    "components": result.components,
                }
                fh.write(json.dumps(row, ensure_ascii=False) + "\n")


def metrics_callback(path: str | Path) -> Any:
    """A TrainerCallback appending each log entry (every component's mean, loss, KL ...) to ``path``."""
    from transformers import TrainerCallback

    class MetricsLog(TrainerCallback):
        def on_log(self, args: Any, state: Any, control: Any, logs: dict[str, Any] | None = None, **kw: Any) -> None:
            if logs:
                entry = {"step": state.global_step, "time": time.time(), **logs}
                with open(path, "a", encoding="utf-8") as fh:
                    fh.write(json.dumps(entry) + "\n")

    return MetricsLog()


# ---- the model -----------------------------------------------------------------------------------
def load_policy(model_dir: str | None = None) -> tuple[Any, Any]:
    """SmolLM2-135M-Instruct (the embedded GGUF, converted once; no download) or a local folder."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    if model_dir is None:
        from rewardlab.models.backbones.causal_lm import convert_gguf, smollm2_gguf_file

        model_dir = str(convert_gguf(smollm2_gguf_file()))
    tokenizer = AutoTokenizer.from_pretrained(model_dir, local_files_only=True)
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    model = AutoModelForCausalLM.from_pretrained(model_dir, local_files_only=True)
    return model, tokenizer


def freeze_lower_layers(model: Any, train_layers: int) -> int:
    """Train only the top ``train_layers`` decoder layers and the final norm; returns trainable parameters.

    ``0`` trains everything. The (tied) embeddings stay frozen whenever layers are frozen.
    """
    if train_layers <= 0:
        return sum(p.numel() for p in model.parameters() if p.requires_grad)
    layers = model.model.layers
    keep = {id(p) for layer in layers[len(layers) - train_layers :] for p in layer.parameters()}
    keep |= {id(p) for p in model.model.norm.parameters()}
    for p in model.parameters():
        p.requires_grad_(id(p) in keep)
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


# ---- training ------------------------------------------------------------------------------------
def build_trainer(args: argparse.Namespace, callbacks: Sequence[Any] = ()) -> Any:
    """The GRPOTrainer of this example (the dataset, the reward through the adapter, the config)."""
    from datasets import Dataset
    from trl import GRPOConfig, GRPOTrainer

    from rewardlab.integrations.trl import TRLReward

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    train_rows, _ = train_and_heldout(seed=args.seed)
    model, tokenizer = load_policy(args.model)
    trainable = freeze_lower_layers(model, args.train_layers)
    print(f"trainable parameters: {trainable:,}", file=sys.stderr)
    reward = TRLReward(str(args.spec), name="arith", on_scored=CompletionLog(out / "completions.jsonl"))
    config = GRPOConfig(
        output_dir=str(out),
        per_device_train_batch_size=args.prompts_per_step * args.num_generations,
        num_generations=args.num_generations,
        max_completion_length=args.max_completion_length,
        temperature=1.0,
        max_steps=args.steps,
        learning_rate=args.lr,
        lr_scheduler_type="constant",
        warmup_steps=0,
        beta=0.0,
        logging_steps=1,
        save_strategy="steps",
        save_steps=args.save_steps,
        save_total_limit=1,
        report_to=[],
        use_cpu=True,
        bf16=False,
        seed=args.seed,
        data_seed=args.seed,
        dataloader_num_workers=0,
        disable_dropout=True,
    )
    return GRPOTrainer(
        model=model,
        reward_funcs=[reward],
        args=config,
        train_dataset=Dataset.from_list(train_rows),
        processing_class=tokenizer,
        callbacks=[metrics_callback(out / "metrics.jsonl"), *callbacks],
    )


def last_checkpoint(out: str | Path) -> str | None:
    """The newest ``checkpoint-N`` folder under ``out`` (to resume from), or ``None``."""
    found = sorted(Path(out).glob("checkpoint-*"), key=lambda p: int(p.name.split("-")[-1]))
    return str(found[-1]) if found else None


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="GRPO on small word problems with a rewardlab spec (TRL GRPOTrainer, SmolLM2, CPU).",
        epilog="example: python examples/grpo_trl.py --out runs/grpo --steps 150",
    )
    parser.add_argument(
        "--out", default="runs/grpo", help="output folder (checkpoints, metrics.jsonl, completions.jsonl)"
    )
    parser.add_argument("--spec", default=str(SPEC), help="the reward spec (default: examples/grpo_arith.yaml)")
    parser.add_argument("--model", default=None, help="a local causal LM folder (default: the embedded SmolLM2)")
    parser.add_argument("--steps", type=int, default=150, help="optimizer steps in all (a rerun resumes)")
    parser.add_argument("--prompts-per-step", type=int, default=2)
    parser.add_argument("--num-generations", type=int, default=4, help="completions per prompt (the GRPO group)")
    parser.add_argument("--max-completion-length", type=int, default=32, help="new tokens per completion")
    parser.add_argument("--lr", type=float, default=1e-5)
    parser.add_argument("--train-layers", type=int, default=0, help="train only the top N layers (0: all)")
    parser.add_argument("--save-steps", type=int, default=25)
    parser.add_argument("--threads", type=int, default=1, help="torch threads (1 is fastest on a shared CPU)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-resume", action="store_true", help="start over even if a checkpoint exists")
    parser.add_argument(
        "--export",
        nargs=2,
        metavar=("KIND", "PATH"),
        help="write the training problems for another trainer instead of training: 'verl train.parquet' or "
        "'openrlhf train.jsonl' (README: Trainers)",
    )
    args = parser.parse_args(argv)
    if args.export and args.export[0] not in ("verl", "openrlhf"):
        parser.error(f"--export KIND must be 'verl' or 'openrlhf', got {args.export[0]!r}")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    import torch

    args = parse_args(argv)
    if args.export:
        print(export(args.export[0], args.export[1], n=2000, seed=args.seed))
        return 0
    torch.set_num_threads(args.threads)
    trainer = build_trainer(args)
    resume = None if args.no_resume else last_checkpoint(args.out)
    if resume:
        print(f"resuming from {resume}", file=sys.stderr)
    trainer.train(resume_from_checkpoint=resume)
    trainer.save_model(str(Path(args.out) / "final"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
