"""Learned rewards: backbones, Bradley-Terry models, process rewards, generative judges, implicit
rewards. Importing this package must stay light: torch and transformers load inside methods."""

# Each import registers rewards: `reward_model` and the `rm:` scheme (bt); dpo_implicit,
# reference_likelihood; the judges; `prm` and the `prm:` scheme; hf_reward_model and hf_prm
# (Hugging Face classification folders, which `rm:` and `prm:` also accept); self_certainty,
# answer_confidence and entropy (label_free); consensus_model (consensus, which `rm:` also accepts).
from . import bt, consensus, hf, implicit, judges, label_free, prm  # noqa: F401
