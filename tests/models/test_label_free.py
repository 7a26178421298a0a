"""`self_certainty`, `answer_confidence`, `entropy`: checked against a plain transformers forward pass on the
same text (SmolLM2), token by token."""

from __future__ import annotations

import math
import pickle

import pytest

from rewardlab.core.spec import build_reward
from rewardlab.models.label_free import AnswerConfidence, AnswerEntropy, SelfCertainty, answer_span

PROMPT = "Tom has 3 apples and buys 4 more. How many apples does he have?"
SAMPLES = [
    {"prompt": PROMPT, "completion": "3 + 4 = 7, so he has 7 apples.\n#### 7"},
    {"prompt": PROMPT, "completion": "He has \\boxed{12} apples."},
    {"prompt": [{"role": "user", "content": PROMPT}], "completion": "Seven. The answer is 7"},
]


@pytest.fixture(scope="module")
def smol():  # type: ignore[no-untyped-def]
    from tests.models.smollm2_helpers import smollm2

    return smollm2()


def plain(smol, sample):  # type: ignore[no-untyped-def]
    """Per completion token (prompt rendered by the chat template, completion as the assistant turn):
    (char start, char end, log p(token), entropy, KL(uniform || p)), from one plain forward pass."""
    import torch

    from rewardlab.models.backbones.rendering import render_with_chat_template, sample_parts

    tok = smol.tokenizer
    prompt, completion = sample_parts(sample)
    r = render_with_chat_template(tok, prompt, completion)
    head = tok(r.prompt, add_special_tokens=False)["input_ids"]
    tail = tok(r.completion, add_special_tokens=False, return_offsets_mapping=True)
    ids = torch.tensor([head + tail["input_ids"]])
    with torch.no_grad():
        logits = smol.model(input_ids=ids).logits[0].double()
    logp = torch.log_softmax(logits, dim=-1)
    out = []
    for k, (a, b) in enumerate(tail["offset_mapping"]):
        pos = len(head) + k
        dist = logp[pos - 1]
        token = int(ids[0, pos])
        entropy = float(-(dist.exp() * dist).sum())
        kl = float(-math.log(dist.shape[0]) - dist.mean())
        out.append((a, b, float(dist[token]), entropy, kl))
    return r, out


def test_self_certainty_is_the_mean_kl_from_uniform(smol) -> None:  # type: ignore[no-untyped-def]
    r = SelfCertainty(batch_size=2)
    results = r.score_batch(SAMPLES)
    for sample, result in zip(SAMPLES, results, strict=True):
        _, tokens = plain(smol, sample)
        assert result.info["tokens"] == len(tokens)
        assert result.score == pytest.approx(sum(t[4] for t in tokens) / len(tokens), abs=1e-4)
        assert result.info["mean_entropy"] == pytest.approx(sum(t[3] for t in tokens) / len(tokens), abs=1e-4)


def test_answer_confidence_and_entropy_read_the_answer_tokens(smol) -> None:  # type: ignore[no-untyped-def]
    conf = AnswerConfidence().score_batch(SAMPLES)
    joint = AnswerConfidence(aggregate="prob").score_batch(SAMPLES)
    ent = AnswerEntropy().score_batch(SAMPLES)
    for sample, c, j, e in zip(SAMPLES, conf, joint, ent, strict=True):
        rendered, tokens = plain(smol, sample)
        lo, hi = answer_span(sample["completion"])
        at = rendered.completion.find(sample["completion"])
        span = [t for t in tokens if t[0] < at + hi and t[1] > at + lo]
        assert span and c.info["tokens"] == len(span)
        assert c.score == pytest.approx(sum(math.exp(t[2]) for t in span) / len(span), abs=1e-5)
        assert j.score == pytest.approx(math.exp(sum(t[2] for t in span)), rel=1e-4)
        assert e.score == pytest.approx(-sum(t[3] for t in span) / len(span), abs=1e-4)
    # the answer of the first sample is "7", of the second "12" (inside the box)
    assert [sample["completion"][slice(*answer_span(sample["completion"]))] for sample in SAMPLES] == ["7", "12", "7"]


def test_batch_equals_single_and_no_answer_is_not_applicable(smol) -> None:  # type: ignore[no-untyped-def]
    r = AnswerConfidence(batch_size=3)
    batch = r.scores(SAMPLES)
    singles = [r.score(s).score for s in SAMPLES]
    assert batch == pytest.approx(singles, abs=1e-5)
    none = r.score({"prompt": PROMPT, "completion": "I do not know."})
    assert none.status.value == "not_applicable" and "no final answer" in none.info["reason"]
    empty = SelfCertainty().score({"prompt": PROMPT, "completion": ""})
    assert empty.status.value == "not_applicable"
    tagged = AnswerConfidence(pattern=r"<answer>(.*?)</answer>").score(
        {"prompt": PROMPT, "completion": "3+4 is 7 <answer>7</answer>"}
    )
    assert tagged.status.value == "ok" and tagged.info["tokens"] == 1


def test_whole_completion_entropy_spec_and_pickle(smol) -> None:  # type: ignore[no-untyped-def]
    r = build_reward({"type": "entropy", "span": "completion"})
    _, tokens = plain(smol, SAMPLES[0])
    assert r.score(SAMPLES[0]).score == pytest.approx(-sum(t[3] for t in tokens) / len(tokens), abs=1e-4)
    again = pickle.loads(pickle.dumps(build_reward(r.to_spec())))
    assert again.score(SAMPLES[0]).score == pytest.approx(r.score(SAMPLES[0]).score, abs=1e-6)
    with pytest.raises(ValueError, match="not found"):
        SelfCertainty(model="no/such/model")
    with pytest.raises(ValueError, match="pattern '\\(unclosed' is not a regular expression"):
        AnswerConfidence(pattern="(unclosed")
