"""The consensus reward model: features, training, the folder, the `consensus_model` reward and
`rewardlab train bt`'s default on candidate lists with scores."""

from __future__ import annotations

import gzip
import json
import random
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from rewardlab import resolve
from rewardlab.cli import app
from rewardlab.models.bt.candidates import CandidateList, load_candidate_lists, split_lists
from rewardlab.models.consensus import (
    CONSENSUS_FILE,
    ConsensusModel,
    ConsensusModelError,
    ConsensusTrainConfig,
    Vocabulary,
    group_agreement,
    group_features,
    load_model,
    train_consensus,
)
from rewardlab.models.consensus.head import LinearHead, fit_pairwise

runner = CliRunner()

TOPICS = [
    ("Which planet is called the red planet?", ["mars", "red", "iron", "oxide", "dust", "fourth", "planet"]),
    ("What do bees make?", ["honey", "nectar", "hive", "wax", "flowers", "pollen", "colony"]),
    ("How does rain form?", ["water", "vapor", "clouds", "droplets", "condense", "cool", "fall"]),
    ("Why do we sleep?", ["brain", "rest", "memory", "repair", "energy", "cycles", "dreams"]),
]


def _lists(n: int, seed: int = 0) -> list[CandidateList]:
    """Prompts whose gold grows with how many of the topic's key words an answer covers; answers also
    differ in filler (so length alone is a weaker signal than coverage)."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        question, keys = TOPICS[i % len(TOPICS)]
        cands, gold = [], []
        for _ in range(6):
            k = rng.randint(1, len(keys))
            filler = " ".join(
                rng.choice(["well", "so", "indeed", "basically", "honestly"]) for _ in range(rng.randint(0, 30))
            )
            words = rng.sample(keys, k)
            cands.append(f"{filler} {' '.join(words)}.".strip())
            gold.append(k / len(keys) + rng.uniform(-0.1, 0.1))
        out.append(CandidateList(f"q{i}", [{"role": "user", "content": f"{question} (case {i})"}], cands, gold))
    return out


def _write(path: Path, lists: list[CandidateList]) -> Path:
    rows = [
        {"id": x.id, "instruction": x.prompt[0]["content"], "candidates": x.candidates, "gold": x.scores} for x in lists
    ]
    with gzip.open(path, "wt", encoding="utf-8") as fh:
        fh.write("\n".join(json.dumps(r) for r in rows) + "\n")
    return path


# ---- features ---------------------------------------------------------------------------------
def test_recall_consensus_pays_covering_what_the_others_say() -> None:
    vocab = Vocabulary.fit(["unrelated text here", "more words elsewhere"], min_df=1)
    group = ["honey wax", "honey wax pollen nectar", "honey", "stock market prices"]
    cos, rec = group_agreement(group, vocab)
    assert rec[1] == max(rec) and rec[3] == 0.0 and cos[3] == 0.0
    assert rec[1] > rec[0] > rec[2]


def test_a_word_every_response_uses_weighs_little_once_the_group_is_counted() -> None:
    """'the' is in all three responses: counted with the group it gets idf log(5/4), the others
    log(5/2), so agreeing on 'the' alone is a share of about 0.11, not the 1/3 of equal weights."""
    vocab = Vocabulary.fit(["x"], min_df=1)  # knows nothing about the group's words
    _, rec = group_agreement(["the cat sat", "the dog ran", "the bird flew"], vocab)
    assert max(rec) == pytest.approx(np.log(5 / 4) / (np.log(5 / 4) + 2 * np.log(5 / 2)))


def test_training_features_equal_scoring_features_of_an_unseen_group() -> None:
    """During training a list is already counted in the vocabulary (counted=True); scored later with a
    vocabulary fitted on the other lists only, it gets the same features (min_df=1: nothing pruned)."""
    lists = _lists(5)
    texts = [c for x in lists for c in x.candidates]
    full = Vocabulary.fit(texts, min_df=1)
    rest = Vocabulary.fit([c for x in lists[1:] for c in x.candidates], min_df=1)
    a = group_features(lists[0].candidates, full, counted=True)
    b = group_features(lists[0].candidates, rest, counted=False)
    np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


def test_features_need_two_responses() -> None:
    with pytest.raises(ValueError, match="at least two responses"):
        group_features(["alone"], Vocabulary({}, 0))


# ---- head -------------------------------------------------------------------------------------
def test_pairwise_fit_ignores_zero_weight_pairs_and_refuses_no_pairs() -> None:
    diffs = np.array([[1.0, 0.0], [0.0, 1.0]])
    w = fit_pairwise(diffs, weights=np.array([1.0, 0.0]))
    assert w[0] > 0.5 and w[1] == pytest.approx(0.0, abs=1e-6)
    with pytest.raises(ValueError, match="no training pairs"):
        fit_pairwise(np.zeros((0, 2)))
    with pytest.raises(ValueError, match="weight 0"):
        fit_pairwise(diffs, weights=np.zeros(2))
    head = LinearHead.standardizer(np.array([[1.0, 5.0], [3.0, 5.0]]))
    assert head.std.tolist() == [1.0, 1.0]  # a constant column is not divided by 0


# ---- training and the folder ------------------------------------------------------------------
def test_training_learns_coverage_beyond_length_and_saves_a_readable_folder(tmp_path: Path) -> None:
    lists = _lists(60)
    train, held = lists[:48], lists[48:]
    report = train_consensus(train, held, tmp_path / "m")
    assert report.n_train > 100 and report.n_eval > 20
    assert report.eval_accuracy is not None and report.longer_wins_accuracy is not None
    assert report.eval_accuracy > report.longer_wins_accuracy + 0.1  # coverage, not length, sets the gold
    bon = report.best_of_n
    assert bon["prompts"] == 12 and bon["model"] > bon["longest"] and bon["random"] < bon["model"] <= bon["oracle"]
    assert report.weights["recall_consensus"] > 0
    model = load_model(tmp_path / "m")
    assert len(model.head.members) == 1 and model.training["pairs"] == report.n_train
    card = json.loads((tmp_path / "m" / "card.json").read_text())
    assert card["model_type"] == "consensus_reward_model" and card["metrics"]["eval_accuracy"] == report.eval_accuracy
    assert "recall_consensus" in (tmp_path / "m" / "MODEL_CARD.md").read_text()


def test_an_ensemble_fits_members_on_bootstrap_resamples(tmp_path: Path) -> None:
    train_consensus(_lists(20), [], tmp_path / "m", ConsensusTrainConfig(ensemble=3, seed=1))
    members = load_model(tmp_path / "m").head.members
    assert len(members) == 3 and not np.allclose(members[0], members[1])
    rm = ConsensusModel(path=str(tmp_path / "m"))
    results = rm.score_batch([{"prompt": "p", "completion": c} for c in ["honey wax", "honey", "rain"]])
    assert all(len(r.info["members"]) == 3 and r.info["std"] >= 0 for r in results)
    assert results[0].score == pytest.approx(float(np.mean(results[0].info["members"])))


def test_no_pairs_above_the_margin_is_a_clear_error(tmp_path: Path) -> None:
    flat = [CandidateList("a", [{"role": "user", "content": "q"}], ["x", "y"], [0.5, 0.6])]
    with pytest.raises(ValueError, match=r"differ by more than 0\.25"):
        train_consensus(flat, [], tmp_path / "m")


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda d: d.update(format="other"), "expected format"),
        (lambda d: d.update(format_version=99), "format version 99"),
        (lambda d: d.update(features=["a"]), "features differ"),
        (lambda d: d.update(members=[[1.0]]), "values per vector"),
        (lambda d: d.pop("vocabulary"), "malformed"),
    ],
)
def test_a_damaged_folder_says_what_is_wrong(tmp_path: Path, edit: object, message: str) -> None:
    train_consensus(_lists(8), [], tmp_path)
    data = json.loads((tmp_path / CONSENSUS_FILE).read_text())
    edit(data)  # type: ignore[operator]
    (tmp_path / CONSENSUS_FILE).write_text(json.dumps(data))
    with pytest.raises(ConsensusModelError, match=message):
        load_model(tmp_path)


def test_a_folder_without_the_file_is_refused_by_the_reward(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"no consensus_model\.json"):
        ConsensusModel(path=str(tmp_path))


# ---- the reward -------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("consensus") / "m"
    train_consensus(_lists(40), [], out)
    return out


def test_rm_scheme_resolves_a_consensus_folder(model_dir: Path) -> None:
    assert isinstance(resolve(f"rm:{model_dir}").reward, ConsensusModel)


def test_scores_do_not_depend_on_batch_order_or_other_groups(model_dir: Path) -> None:
    rm = ConsensusModel(path=str(model_dir))
    a = [{"prompt": "What do bees make?", "completion": c} for c in ["honey and wax", "honey", "wax pollen hive honey"]]
    b = [{"prompt": "How does rain form?", "completion": c} for c in ["vapor clouds", "it falls", "water vapor cools"]]
    alone_a, alone_b = rm.scores(a), rm.scores(b)
    mixed = [b[0], a[2], a[0], b[2], b[1], a[1]]
    got = rm.scores(mixed)
    assert got == pytest.approx([alone_b[0], alone_a[2], alone_a[0], alone_b[2], alone_b[1], alone_a[1]])


def test_a_response_alone_in_its_group_is_an_error_not_a_score(model_dir: Path) -> None:
    rm = ConsensusModel(path=str(model_dir))
    batch = [
        {"prompt": "q1", "completion": "a"},
        {"prompt": "q1", "completion": "b"},
        {"prompt": "q2", "completion": "c"},
    ]
    results = rm.score_batch(batch)
    assert [r.status.value for r in results] == ["ok", "ok", "error"]
    assert "only response of its group" in (results[2].error or "") and "--group-key" in (results[2].error or "")
    keyed = ConsensusModel(path=str(model_dir), group_key="qid").score_batch([{"completion": "a"}, {"completion": "b"}])
    assert all("no group key" in (r.error or "") for r in keyed)
    missing = rm.score_batch([{"prompt": "q", "completion": "a"}, {"prompt": "q"}, {"prompt": "q", "completion": "b"}])
    assert [r.status.value for r in missing] == ["ok", "not_applicable", "ok"]


def test_the_group_key_groups_across_prompt_wordings(model_dir: Path) -> None:
    rm = ConsensusModel(path=str(model_dir), group_key="qid")
    batch = [{"qid": 1, "prompt": f"variant {i}", "completion": c} for i, c in enumerate(["honey", "honey wax"])]
    assert [r.info["group_size"] for r in rm.score_batch(batch)] == [2, 2]


# ---- the command ------------------------------------------------------------------------------
def test_train_bt_on_candidate_lists_trains_the_consensus_model_by_default(tmp_path: Path) -> None:
    data = _write(tmp_path / "bon.jsonl.gz", _lists(50))
    out = tmp_path / "model"
    res = runner.invoke(app, ["train", "bt", "--data", str(data), "--out", str(out), "--no-progress"])
    assert res.exit_code == 0, res.output
    assert "consensus reward model: 45 training prompts, 5 held out" in res.output
    assert "held-out pick among every scored response (5 prompts)" in res.output
    assert (out / CONSENSUS_FILE).is_file() and not (out / "reward_model.json").exists()
    scored = tmp_path / "scored.jsonl"
    samples = tmp_path / "s.jsonl"
    samples.write_text("".join(json.dumps({"prompt": "q", "completion": c}) + "\n" for c in ["honey wax", "no"]))
    res = runner.invoke(app, ["score", "-r", f"rm:{out}", "-i", str(samples), "-o", str(scored), "--no-summary"])
    assert res.exit_code == 0, res.output
    rows = [json.loads(line) for line in scored.read_text().splitlines()]
    assert [r["reward"]["status"] for r in rows] == ["ok", "ok"]
    res = runner.invoke(app, ["train", "bt", "--data", str(data), "--out", str(out), "--no-progress"])
    assert res.exit_code == 2 and "--overwrite" in res.output  # the folder is recognized as a model
    res = runner.invoke(app, ["train", "bt", "--data", str(data), "--out", str(out), "--overwrite", "-k", "2"])
    assert res.exit_code == 0, res.output
    assert len(load_model(out).head.members) == 2


def test_neural_options_with_the_consensus_model_are_refused_by_name(tmp_path: Path) -> None:
    data = _write(tmp_path / "bon.jsonl.gz", _lists(10))
    res = runner.invoke(app, ["train", "bt", "-d", str(data), "-o", str(tmp_path / "m"), "--epochs", "3", "--bf16"])
    assert res.exit_code == 2
    assert "--epochs, --bf16: apply to neural backbones only" in " ".join(res.output.split())
    pairs = tmp_path / "p.jsonl"
    pairs.write_text(json.dumps({"prompt": "q", "chosen": "a", "rejected": "b"}) + "\n")
    res = runner.invoke(app, ["train", "bt", "-d", str(pairs), "-o", str(tmp_path / "m"), "--backbone", "consensus"])
    assert res.exit_code == 2 and "needs candidate lists with scores" in " ".join(res.output.split())


def test_on_the_shared_alpaca_lists_it_beats_a_random_pick_on_held_out_prompts(
    shared_data: Path, tmp_path: Path
) -> None:
    """Real data: 200 AlpacaEval prompts, 40 held out (prompt-disjoint). The full 5-fold comparison with
    the longest-answer rule is benchmarks/alpaca_train_bt_cv.py; this guards the direction of it."""
    lists = load_candidate_lists(shared_data / "alpaca_bon16.jsonl.gz").lists[:200]
    train, held = split_lists(lists, eval_fraction=0.2, seed=0)
    report = train_consensus(train, held, tmp_path / "m")
    assert report.eval_accuracy is not None and report.longer_wins_accuracy is not None
    assert report.eval_accuracy > 0.6
    assert report.best_of_n["model"] > report.best_of_n["random"] + 0.03


def test_lists_sharing_an_id_each_give_their_own_pairs(tmp_path: Path) -> None:
    a = CandidateList("same", [{"role": "user", "content": "q1"}], ["honey wax", "honey", "no"], [0.9, 0.5, 0.0])
    b = CandidateList("same", [{"role": "user", "content": "q2"}], ["rain falls", "rain", "no"], [0.9, 0.5, 0.0])
    assert train_consensus([a, b], [], tmp_path / "m").n_train == 6  # 3 pairs above 0.25 in each list


def test_through_trls_calling_convention(model_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """What a GRPOTrainer sends: the batch's prompts and completions as chat messages, each prompt's
    generations together. Scores come back for every completion; a prompt with one completion gets
    None (with a warning), never a made-up number."""
    from rewardlab.integrations.trl import TRLReward

    monkeypatch.setenv("REWARDLAB_HOME", str(tmp_path / "home"))
    reward = TRLReward(f"rm:{model_dir}", name="consensus")
    prompts = [[{"role": "user", "content": "What do bees make?"}]] * 3 + [[{"role": "user", "content": "Rain?"}]] * 3
    texts = ["honey and wax", "honey", "cars", "water vapor clouds", "vapor", "no idea"]
    completions = [[{"role": "assistant", "content": t}] for t in texts]
    out = reward(prompts=prompts, completions=completions)
    assert all(isinstance(v, float) for v in out) and out[0] > out[2] and out[3] > out[5]
    with pytest.warns(RuntimeWarning, match="could not be scored"):
        assert reward(prompts=prompts[:1], completions=completions[:1]) == [None]
