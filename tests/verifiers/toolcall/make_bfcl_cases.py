"""Side by side: BFCL's own AST checker vs rewardlab's ``toolcall`` reward on BFCL's possible answers.

Not a test (bfcl-eval is not a dependency): the script that measured the agreement and drew
``bfcl_cases.jsonl``. Needs the bfcl-eval wheel unpacked::

    pip download --no-deps bfcl-eval -d /tmp/ifw/bfcl && unzip -q /tmp/ifw/bfcl/*.whl -d /tmp/ifw/bfcl/x
    .venv/bin/python tests/verifiers/toolcall/make_bfcl_cases.py
"""

# ruff: noqa
import copy, json, random, sys, types
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
# stub the model registry the checker reads for one flag
D = "/tmp/ifw/bfcl/x/bfcl_eval/data/"


def load(p):
    return [json.loads(l) for l in open(p)]


def pick(values, rng, mode):
    if not isinstance(values, list):
        return values
    vals = [v for v in values if v != ""]
    if not vals:
        return None
    v = rng.choice(vals) if mode == "any" else vals[0]
    if isinstance(v, str) and rng.random() < 0.5:
        v = rng.choice([v.upper(), v.lower(), v.replace(" ", ""), v.replace(",", ", "), " ".join(v.split())])
    if isinstance(v, dict):  # a nested possible answer: choose one value per key
        v = {k: x for k, x in ((k, pick(o, rng, mode)) for k, o in v.items()) if x is not None}
    if isinstance(v, list) and v and all(isinstance(x, dict) for x in v):
        v = [{k: x for k, x in ((k, pick(o, rng, mode)) for k, o in d.items()) if x is not None} for d in v]
    return v


def build(gt, rng, variant):
    calls = []
    for item in gt:
        ((name, args),) = item.items()
        out = {}
        for k, values in args.items():
            optional = "" in values
            if optional and rng.random() < 0.5:
                continue
            v = pick(values, rng, "any" if variant != "first" else "first")
            if v is None:
                continue
            out[k] = v
        calls.append({name: out})
    if variant in ("first", "any"):
        pass
    elif variant == "wrong_value":
        c = rng.choice(calls)
        ((n, a),) = c.items()
        if a:
            k = rng.choice(sorted(a))
            v = a[k]
            a[k] = (
                (v + 1)
                if isinstance(v, (int, float)) and not isinstance(v, bool)
                else (
                    not v
                    if isinstance(v, bool)
                    else (v + "x" if isinstance(v, str) else v[:-1] if isinstance(v, list) and v else "zz")
                )
            )
    elif variant == "missing":
        c = rng.choice(calls)
        ((n, a),) = c.items()
        if a:
            a.pop(rng.choice(sorted(a)))
    elif variant == "extra_arg":
        c = rng.choice(calls)
        ((n, a),) = c.items()
        a["unexpected_arg"] = 1
    elif variant == "wrong_name":
        i = rng.randrange(len(calls))
        ((n, a),) = calls[i].items()
        calls[i] = {n + "_v2": a}
    elif variant == "extra_call":
        calls.append(copy.deepcopy(calls[0]))
    elif variant == "shuffled":
        rng.shuffle(calls)
    elif variant == "int_as_float":
        c = rng.choice(calls)
        ((n, a),) = c.items()
        for k, v in a.items():
            if isinstance(v, int) and not isinstance(v, bool):
                a[k] = float(v)
                break
    return calls


def main():
    sys.path.insert(0, "/tmp/ifw/bfcl/x")
    mc = types.ModuleType("bfcl_eval.constants.model_config")

    class _Cfg:
        underscore_to_dot = False

    class _Map(dict):
        def __getitem__(self, k):
            return _Cfg()

    mc.MODEL_CONFIG_MAPPING = _Map()
    sys.modules["bfcl_eval.constants.model_config"] = mc
    from bfcl_eval.constants.enums import Language
    from bfcl_eval.eval_checker.ast_eval.ast_checker import ast_checker

    sys.path.insert(0, str(HERE.parents[2] / "src"))
    from rewardlab.verifiers import ToolCall

    reward = ToolCall(correct_min=0, correct_max=1, format_weight=0)
    rng = random.Random(0)
    stats = Counter()
    examples = {}
    dump = []
    for cat in [
        "simple_python",
        "multiple",
        "parallel",
        "parallel_multiple",
        "live_simple",
        "live_multiple",
        "live_parallel",
        "live_parallel_multiple",
    ]:
        qs = {q["id"]: q for q in load(D + f"BFCL_v4_{cat}.json")}
        for pa in load(D + f"possible_answer/BFCL_v4_{cat}.json"):
            q = qs[pa["id"]]
            gt = pa["ground_truth"]
            for variant in [
                "first",
                "any",
                "any",
                "wrong_value",
                "missing",
                "extra_arg",
                "wrong_name",
                "extra_call",
                "shuffled",
                "int_as_float",
            ]:
                calls = build(copy.deepcopy(gt), rng, variant)
                try:
                    ref = ast_checker(q["function"], copy.deepcopy(calls), gt, Language.PYTHON, cat, "m")["valid"]
                except Exception as exc:
                    stats[("ref_error", cat)] += 1
                    continue
                completion = json.dumps([{"name": n, "arguments": a} for c in calls for n, a in c.items()])
                r = reward.score({"completion": completion, "gold_calls": gt})
                mine = r.is_ok and r.components["toolcall.match"] == 1.0
                stats[(variant, ref == mine)] += 1
                dump.append(
                    {
                        "id": pa["id"],
                        "category": cat,
                        "variant": variant,
                        "ground_truth": gt,
                        "prediction": [{"name": n, "arguments": a} for c in calls for n, a in c.items()],
                        "bfcl_valid": ref,
                        "rewardlab_full_match": mine,
                    }
                )
                if ref != mine:
                    key = (variant, ref, mine)
                    examples.setdefault(key, (pa["id"], gt, calls))
    total = sum(v for k, v in stats.items() if k[0] != "ref_error")
    agree = sum(v for k, v in stats.items() if k[1] is True)
    print(f"{total} predictions, agreement {agree / total:.2%}")
    for k, v in sorted(stats.items(), key=str):
        print(k, v)
    for k, ex in examples.items():
        print(k, json.dumps(ex)[:400])

    # a seeded draw of 4 cases per (category, BFCL verdict) for the CI test
    draw = random.Random(10)
    groups = {}
    for c in dump:
        groups.setdefault((c["category"], c["bfcl_valid"]), []).append(c)
    with open(HERE / "bfcl_cases.jsonl", "w") as fh:
        for key in sorted(groups, key=str):
            for c in draw.sample(groups[key], min(4, len(groups[key]))):
                fields = ("id", "category", "variant", "ground_truth", "prediction", "bfcl_valid")
                fh.write(json.dumps({k: c[k] for k in fields}) + "\n")


if __name__ == "__main__":
    main()
