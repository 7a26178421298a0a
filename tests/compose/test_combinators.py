"""Combinators, transforms and ensembles: semantics, failure propagation, components."""

from __future__ import annotations

import math

import pytest
from pydantic import ValidationError

from rewardlab.compose import (
    PAR,
    Affine,
    Anneal,
    Cascade,
    Center,
    Clip,
    Ensemble,
    Gate,
    Lexicographic,
    LogSigmoid,
    Max,
    Min,
    PotentialShaping,
    Product,
    WeightedSum,
    log_sigmoid,
    shape_rewards,
    sigmoid,
)
from rewardlab.core import ScoreContext, Status, spec_from_dict

from ..rewards import Counting, field_reward


def two(**kw):  # type: ignore[no-untyped-def]
    return [field_reward("a", "a", **kw), field_reward("b", "b", weight=3.0)]


# ---- weighted sum ----------------------------------------------------------------------------
def test_weighted_sum_raw_and_normalized() -> None:
    s = {"a": 1.0, "b": 0.5}
    assert WeightedSum(children=two()).score(s).score == pytest.approx(2.5)
    r = WeightedSum(children=two(), normalize_weights=True).score(s)
    assert r.score == pytest.approx(0.25 * 1.0 + 0.75 * 0.5)
    assert r.info["weights"] == {"a": 0.25, "b": 0.75}


def test_not_applicable_component_is_left_out_and_said_so() -> None:
    r = WeightedSum(children=two(), normalize_weights=True).score({"b": 0.5})
    assert r.score == 0.5 and r.info["left_out"] == ["a"]
    assert r.components == {"a": None, "b": 0.5}
    none = WeightedSum(children=two()).score({})
    assert none.status is Status.NOT_APPLICABLE


def test_failed_component_fails_the_composite_by_name() -> None:
    r = WeightedSum(children=two()).score({"a": "boom", "b": 1})
    assert r.status is Status.ERROR and r.score is None
    assert "component 'a' failed: ValueError: boom happened" in r.error
    assert r.components == {"a": None, "b": 1.0}
    t = WeightedSum(children=two()).score({"a": "hang", "b": 1})
    assert t.status is Status.TIMEOUT


def test_defaulted_component_counts_and_is_listed() -> None:
    r = WeightedSum(children=two(on_error="default=0")).score({"a": "boom", "b": 1})
    assert r.status is Status.OK and r.score == 3.0
    assert r.info["defaulted_components"] == ["a"]


def test_composite_policy_applies_to_its_own_failure() -> None:
    r = WeightedSum(children=two(), on_error="default=-5").score({"a": "boom", "b": 1})
    assert r.score == -5.0 and r.defaulted


def test_named_composites_appear_in_components_and_labels_are_unique() -> None:
    r = WeightedSum(name="total", children=two()).score({"a": 1, "b": 1})
    assert r.components == {"a": 1.0, "b": 1.0, "total": 4.0}
    with pytest.raises(ValidationError, match="two rewards are labelled 'a'"):
        WeightedSum(children=[field_reward("a"), field_reward("a")])


# ---- product / min / max ----------------------------------------------------------------------
def test_product_min_max() -> None:
    s = {"a": 0.5, "b": -2}
    assert Product(children=two()).score(s).score == -1.0
    assert Min(children=two()).score(s).info["argbest"] == "b"
    assert Max(children=two()).score(s).score == 0.5
    assert Product(children=two()).score({"a": 0.5}).score == 0.5  # b left out


# ---- gate ---------------------------------------------------------------------------------------
def test_gate_scores_the_child_only_where_the_gate_passes() -> None:
    counter = Counting(name="expensive")
    g = Gate(gate=field_reward("fmt", "fmt"), child=counter, threshold=1.0, fail_value=-1.0)
    results = g.score_batch([{"id": 1, "fmt": 1}, {"id": 2, "fmt": 0}, {"id": 3, "fmt": 1}])
    assert [r.score for r in results] == [1.0, -1.0, 1.0]
    assert counter._seen == [1, 3]
    assert results[1].components == {"fmt": 0.0, "expensive": None}
    assert results[1].info["gate_passed"] is False


def test_gate_error_and_not_applicable() -> None:
    g = Gate(gate=field_reward("fmt", "fmt"), child=field_reward("v"))
    assert g.score({"fmt": "boom", "value": 1}).status is Status.ERROR
    assert g.score({"value": 1}).status is Status.NOT_APPLICABLE
    g2 = Gate(gate=field_reward("fmt", "fmt"), child=field_reward("v"), when_gate_not_applicable="pass")
    assert g2.score({"value": 0.3}).score == 0.3


# ---- lexicographic ----------------------------------------------------------------------------
def test_lexicographic_order_is_exact_for_discrete_first_level() -> None:
    lex = Lexicographic(children=[field_reward("correct", "c"), field_reward("short", "s")])
    items = [{"c": c, "s": s} for c in (0, 1) for s in (0.0, 0.3, 1.0)]
    scores = lex.scores(items)
    order = sorted(range(len(items)), key=lambda i: scores[i])
    assert [(items[i]["c"], items[i]["s"]) for i in order] == sorted((it["c"], it["s"]) for it in items)
    assert lex.score({"c": 1, "s": 0.3}).info["key"] == [1.0, 0.3]


def test_lexicographic_bounds_validation() -> None:
    with pytest.raises(ValidationError, match="one \\[low, high\\] per child after the first"):
        Lexicographic(children=two(), bounds=[(0, 1), (0, 1)])


# ---- cascade ------------------------------------------------------------------------------------
def test_cascade_stops_at_first_failure_and_skips_later_stages() -> None:
    last = Counting(name="tests")
    c = Cascade(children=[field_reward("fmt", "f"), field_reward("compiles", "k"), last], fail_values=[-1, -0.5, 0])
    results = c.score_batch([{"id": 1, "f": 0, "k": 1}, {"id": 2, "f": 1, "k": 0}, {"id": 3, "f": 1, "k": 1}])
    assert [r.score for r in results] == [-1.0, -0.5, 1.0]
    assert [r.info["stopped_at"] for r in results] == ["fmt", "compiles", None]
    assert last._seen == [3]
    assert results[0].components == {"fmt": 0.0, "compiles": None, "tests": None}


def test_cascade_skips_stages_that_do_not_apply_and_propagates_errors() -> None:
    c = Cascade(children=[field_reward("fmt", "f"), field_reward("v")])
    assert c.score({"value": 0.7}).score == 0.7
    assert c.score({"f": "boom", "value": 1}).status is Status.ERROR


# ---- transforms --------------------------------------------------------------------------------
def test_clip_affine() -> None:
    assert Clip(child=field_reward("v"), low=0, high=1).score({"value": 3}).score == 1.0
    assert Affine(child=field_reward("v"), scale=-2, shift=1).score({"value": 3}).score == -5.0
    with pytest.raises(ValidationError):
        Clip(child=field_reward("v"))


@pytest.mark.parametrize("cls", [Center, PAR, LogSigmoid])
def test_centering_reference_modes(cls) -> None:  # type: ignore[no-untyped-def]
    f = {Center: lambda z: z, PAR: sigmoid, LogSigmoid: log_sigmoid}[cls]
    child = field_reward("v")
    assert cls(child=child, reference=0.5).score({"value": 2}).score == pytest.approx(f(1.5))
    assert cls(child=child, reference_field="ref").score({"value": 2, "ref": 3}).score == pytest.approx(f(-1.0))
    # a reference completion is scored by the same child: here the child reads `value`, so the
    # reference samples are the same sample with another completion -> same value -> centred 0
    r = cls(child=child, reference_completion_field="refs").score({"value": 2, "refs": ["x", "y"]})
    assert r.score == pytest.approx(f(0.0))
    missing = cls(child=child, reference_field="ref").score({"value": 2})
    assert missing.status is Status.ERROR and "no reference reward" in missing.error
    with pytest.raises(ValidationError, match="exactly one"):
        cls(child=child)


def test_log_sigmoid_is_stable() -> None:
    assert math.isfinite(log_sigmoid(-1e4)) and log_sigmoid(1e4) == 0.0


def test_anneal_schedule_and_missing_step() -> None:
    a = Anneal(child=field_reward("v"), start=0.0, end=2.0, start_step=10, end_step=20, schedule="linear")
    assert [a.weight_at(s) for s in (0, 10, 15, 20, 99)] == [0.0, 0.0, 1.0, 2.0, 2.0]
    assert a.score({"value": 1}, ScoreContext(step=15)).score == 1.0
    err = a.score({"value": 1})
    assert err.status is Status.ERROR and "needs the training step" in err.error
    cos = Anneal(child=field_reward("v"), end_step=10, schedule="cosine")
    assert cos.weight_at(5) == pytest.approx(0.5)


def test_potential_shaping_telescopes() -> None:
    phi = field_reward("phi", "phi")  # phi is constant per sample here -> shaping sums to (gamma^T - 1) * phi
    ps = PotentialShaping(potential=phi, gamma=0.9, terminal_zero=False)
    r = ps.score({"steps": ["a", "b", "c"], "step_rewards": [1, 0, 2], "phi": 0.5})
    base = 1 + 0.9 * 0 + 0.81 * 2
    assert r.score == pytest.approx(base + 0.9**3 * 0.5 - 0.5)
    assert len(r.info["step_rewards"]) == 3
    with pytest.raises(ValueError, match="one potential per state"):
        shape_rewards([1.0], [0.0])


def test_potential_shaping_uses_child_as_terminal_reward_and_splits_completion() -> None:
    ps = PotentialShaping(potential=field_reward("phi", "phi"), child=field_reward("final", "final"))
    r = ps.score({"completion": "step one\nstep two", "phi": 0.25, "final": 1})
    # terminal_zero: shaping = -phi(s0) = -0.25; base = 1 at the last step
    assert r.score == pytest.approx(0.75)
    assert r.components == {"final": 1.0, "phi": 0.25}


# ---- ensembles -----------------------------------------------------------------------------------
def test_ensemble_methods_report_spread() -> None:
    kids = [field_reward("m1", "x"), field_reward("m2", "y"), field_reward("m3", "z")]
    s = {"x": 1.0, "y": 2.0, "z": 3.0}
    std = math.sqrt(2 / 3)
    assert Ensemble(children=kids).score(s).score == 2.0
    assert Ensemble(children=kids, method="min").score(s).score == 1.0
    r = Ensemble(children=kids, method="mean_minus_std", k=2.0).score(s)
    assert r.score == pytest.approx(2.0 - 2 * std)
    assert r.info["std"] == pytest.approx(std) and r.info["members"] == {"m1": 1.0, "m2": 2.0, "m3": 3.0}
    with pytest.raises(ValidationError, match="'k' applies only"):
        Ensemble(children=kids, method="mean", k=2.0)


def test_ensemble_of_one_reward_with_members() -> None:
    from rewardlab.core import RewardResult
    from rewardlab.core.reward import Reward

    class Members(Reward):
        def _score_one(self, sample, ctx):  # type: ignore[no-untyped-def]
            return RewardResult.ok(0.0, info={"members": [0.0, 1.0, 2.0, 3.0]})

    r = Ensemble(children=[Members(name="rm")], method="mean_minus_std", k=1.0).score({})
    assert r.info["n_members"] == 4 and r.info["mean"] == 1.5


# ---- the same from a spec ---------------------------------------------------------------------------
def test_every_leaf_component_survives_deep_composition() -> None:
    spec = spec_from_dict(
        {
            "reward": {
                "type": "group_norm",
                "child": {
                    "type": "clip",
                    "low": -1,
                    "high": 1,
                    "child": {
                        "type": "ensemble",
                        "method": "mean",
                        "children": [
                            {
                                "type": "gate",
                                "gate": {"type": "t_field", "name": "g", "field": "g"},
                                "child": {"type": "t_field", "name": "v"},
                            },
                            {"type": "t_field", "name": "w", "field": "w"},
                        ],
                    },
                },
            }
        }
    )
    r = spec.score_batch([{"prompt": "p", "g": 1, "value": 1, "w": 0}, {"prompt": "p", "g": 0, "value": 1, "w": 1}])
    assert set(r[0].components) == {"g", "v", "w"} == set(r[1].components)
