"""Reward machines: validated like specs (every problem names its field), labelled from the env's
info or a callable, the product env on the key-door grid and on FrozenLake, and counterfactual
experience for tabular Q-learning."""

from __future__ import annotations

from pathlib import Path

import gymnasium as gym
import pytest

from rewardlab.core.errors import SpecError
from rewardlab.integrations.gymnasium import RewardWrapper
from rewardlab.integrations.gymnasium.envs import KeyDoorGrid
from rewardlab.integrations.gymnasium.machines import (
    FormulaError,
    RewardMachineWrapper,
    load_machine,
    machine_from_dict,
    parse_formula,
)
from rewardlab.integrations.gymnasium.trainers import QLearning

KEY_DOOR = {
    "name": "key-door-goal",
    "events": ["key", "door", "goal"],
    "states": ["start", "has_key", "inside", "done"],
    "initial": "start",
    "terminal": ["done"],
    "transitions": [
        {"from": "start", "to": "has_key", "when": "key", "reward": 0.1},
        {"from": "has_key", "to": "inside", "when": "door", "reward": 0.1},
        {"from": "inside", "to": "done", "when": "goal", "reward": 1.0},
    ],
}


def variant(**changes):
    data = {**KEY_DOOR, **changes}
    return data


@pytest.mark.parametrize(
    ("data", "path", "words"),
    [
        (variant(initial="begin"), "initial", "unknown state 'begin'"),
        (variant(terminal=["finished"]), "terminal[0]", "unknown state 'finished'"),
        (variant(states=["start", "has_key", "inside", "done", "limbo"]), "states[4]", "unreachable"),
        (
            variant(transitions=[*KEY_DOOR["transitions"][:2], {"from": "inside", "to": "nowhere", "when": "goal"}]),
            "transitions[2].to",
            "unknown state 'nowhere'",
        ),
        (
            variant(transitions=[*KEY_DOOR["transitions"][:2], {"from": "inside", "to": "done", "when": "gaol"}]),
            "transitions[2].when",
            "unknown event 'gaol'",
        ),
        (
            variant(transitions=[*KEY_DOOR["transitions"][:2], {"from": "inside", "to": "done", "when": "goal &"}]),
            "transitions[2].when",
            "ends where an event name was expected",
        ),
        (
            variant(
                terminal=["done"],
                transitions=[*KEY_DOOR["transitions"][:2], {"from": "inside", "to": "inside", "when": "goal"}],
            ),
            "states[2]",
            "missing transitions: state 'inside' is not terminal",
        ),
        (
            variant(transitions=[*KEY_DOOR["transitions"], {"from": "done", "to": "start", "when": "key"}]),
            "transitions[3].from",
            "out of the terminal state 'done'",
        ),
        (
            variant(transitions=[*KEY_DOOR["transitions"], {"from": "start", "to": "inside", "when": "door | key"}]),
            "transitions[3].when",
            "both fire on the labels {key}",
        ),
        (
            variant(transitions=[{"from": "start", "to": "done", "when": "key", "rewrd": 1}]),
            "transitions[0].rewrd",
            "unknown key",
        ),
        (
            variant(transitions=[{"from": "start", "to": "done", "when": "key", "reward": "lots"}]),
            "transitions[0].reward",
            "got 'lots'",
        ),
        (variant(statse=[]), "statse", "did you mean 'states'"),
        (variant(states=["start", "start"]), "states[1]", "listed twice"),
    ],
)
def test_invalid_machines_name_the_field(data, path, words) -> None:
    with pytest.raises(SpecError) as caught:
        machine_from_dict(data)
    assert caught.value.path == path
    assert words in str(caught.value)


def test_exclusive_formulas_out_of_one_state_are_accepted() -> None:
    machine = machine_from_dict(
        variant(transitions=[*KEY_DOOR["transitions"], {"from": "start", "to": "inside", "when": "door & !key"}])
    )
    assert machine.step("start", {"door"}) == ("inside", 0.0)
    assert machine.step("start", {"door", "key"}) == ("has_key", 0.1)


def test_yaml_file_errors_name_the_file(tmp_path: Path) -> None:
    path = tmp_path / "rm.yaml"
    path.write_text("states: [a, b]\ninitial: a\nterminal: [b]\ntransitions:\n  - {from: a, to: c, when: x}\n")
    with pytest.raises(SpecError, match=r"rm\.yaml: transitions\[0\]\.to: unknown state 'c'"):
        load_machine(path)
    path.write_text(
        "states: [a, b]\ninitial: a\nterminal: [b]\ntransitions:\n  - {from: a, to: b, when: x, reward: 2}\n"
    )
    assert load_machine(path).step("a", ["x"]) == ("b", 2.0)


def test_formulas() -> None:
    f = parse_formula("!(a | b) & c")
    assert f.holds({"c"}) and not f.holds({"a", "c"}) and not f.holds(set())
    assert parse_formula("true").holds(set())
    with pytest.raises(FormulaError):
        parse_formula("a && b")
    with pytest.raises(FormulaError):
        parse_formula("a + b")


def walk(env, actions):
    out = []
    for a in actions:
        obs, reward, terminated, _truncated, info = env.step(a)
        out.append((obs["machine"], reward, terminated, info["rm"]["labels"]))
    return out


def test_product_env_on_the_key_door_grid() -> None:
    env = RewardMachineWrapper(KeyDoorGrid(), KEY_DOOR)
    obs, _ = env.reset(seed=0)
    assert obs == {"obs": 0, "machine": 0}
    # down x4 to the key (0, 4); up x2 to the door row; right x3 through the door (3, 2); right x3, down x2 to the goal
    steps = walk(env, [2, 2, 2, 2, 0, 0, 1, 1, 1, 1, 1, 1, 2, 2])
    assert steps[3] == (1, 0.1, False, ["key"])
    assert steps[8] == (2, 0.1, False, ["door"])
    assert steps[-1] == (3, 1.0, True, ["goal"])
    assert sum(r for _, r, _, _ in steps) == pytest.approx(1.2)


def test_machine_reward_mixed_in_a_spec_through_info() -> None:
    env = RewardWrapper(
        RewardMachineWrapper(KeyDoorGrid(), KEY_DOOR, reward="env"),
        {"type": "weighted_sum", "children": ["env_reward", {"type": "info_value", "key": "rm.reward", "weight": 10}]},
    )
    env.reset(seed=0)
    rewards = [env.step(a)[1] for a in [2, 2, 2, 2]]
    assert rewards == [0.0, 0.0, 0.0, pytest.approx(1.0)]


def test_a_callable_labeller_on_frozenlake() -> None:
    # FrozenLake has no events: label the bottom row ('south') and the goal from the next state
    machine = {
        "states": ["north", "south", "goal"],
        "initial": "north",
        "terminal": ["goal"],
        "transitions": [
            {"from": "north", "to": "south", "when": "south", "reward": 0.5},
            {"from": "south", "to": "goal", "when": "goal", "reward": 1.0},
        ],
    }

    def labels(obs, action, next_obs, info):
        return ({"south"} if next_obs >= 12 else set()) | ({"goal"} if next_obs == 15 else set())

    env = RewardMachineWrapper(gym.make("FrozenLake-v1", is_slippery=False), machine, labels)
    env.reset(seed=0)
    steps = walk(env, [1, 1, 2, 1, 2, 2])  # 4, 8, 9, 13 (south), 14, 15 (goal)
    assert [m for m, *_ in steps] == [0, 0, 0, 1, 1, 2]
    assert steps[-1][1] == 1.0 and steps[-1][2]


def test_counterfactual_experience_covers_every_non_terminal_machine_state() -> None:
    env = RewardMachineWrapper(KeyDoorGrid(), KEY_DOOR)
    env.reset(seed=0)
    for a in (2, 2, 2):
        env.step(a)
    _, _, _, _, info = env.step(2)  # picks up the key: labels {key}
    experiences = env.counterfactuals(6, 8, info)
    assert [(o["machine"], r, n["machine"], d) for o, r, n, d in experiences] == [
        (0, 0.1, 1, False),  # start --key--> has_key
        (1, 0.0, 1, False),  # has_key stays
        (2, 0.0, 2, False),  # inside stays
    ]


def test_counterfactual_q_learning_solves_the_key_door_grid() -> None:
    env = RewardMachineWrapper(KeyDoorGrid(max_steps=60), KEY_DOOR)
    agent = QLearning(alpha=0.5, gamma=0.95, epsilon=(1.0, 0.05, 6000), seed=0, counterfactual=True)
    agent.learn(env, steps=12_000)
    assert agent.evaluate(RewardMachineWrapper(KeyDoorGrid(max_steps=60), KEY_DOOR), episodes=3)["success_rate"] == 1.0


def test_counterfactual_needs_a_machine() -> None:
    with pytest.raises(ValueError, match="RewardMachineWrapper"):
        QLearning(counterfactual=True).learn(KeyDoorGrid(), steps=10)
