"""Small, learnable preference data for the Bradley-Terry tests (written by the tests themselves)."""

from __future__ import annotations

import json
from pathlib import Path

QUESTIONS = [
    "Can you help me write an email to my landlord?",
    "What should I cook for dinner tonight?",
    "How do I fix a flat bicycle tyre?",
    "Could you explain what a mortgage is?",
    "Any tips for sleeping better?",
    "How can I learn to play the guitar?",
    "What is a good way to start running?",
    "Can you recommend a book about history?",
]
KIND = [
    "Of course, I would be glad to help you with that. Here is a friendly suggestion to get started.",
    "Happy to help! Let me walk you through it step by step so it is easy.",
    "Sure, thank you for asking. Here are a few kind and practical ideas.",
    "Great question, I am glad you asked. Here is a clear and helpful answer.",
]
RUDE = [
    "Figure it out yourself, I am not wasting my time on you.",
    "That is a stupid question and you are an idiot for asking it.",
    "No. Go away and stop bothering me with this nonsense.",
    "Who cares? Do it yourself, loser.",
]


def preference_rows(n: int, *, offset: int = 0) -> list[dict[str, object]]:
    """``n`` pairs: a kind answer preferred to a rude one (what any sentiment-aware model can learn)."""
    rows = []
    for i in range(offset, offset + n):
        rows.append(
            {
                "id": f"pair-{i}",
                "prompt": [{"role": "user", "content": QUESTIONS[i % len(QUESTIONS)]}],
                "chosen": KIND[i % len(KIND)],
                "rejected": RUDE[(i // 2) % len(RUDE)],
                "question_id": f"q{i % len(QUESTIONS)}",
            }
        )
    return rows


def write_preferences_file(path: Path, n: int, *, offset: int = 0) -> Path:
    path.write_text("\n".join(json.dumps(r) for r in preference_rows(n, offset=offset)) + "\n", encoding="utf-8")
    return path
