"""Using rewards in a loop: sample completions, score them, select from them, measure groups.

The modules, each with one concern (import the one you need; none loads torch on import):

- :mod:`rewardlab.loop.prompts` -- a JSONL row -> the chat messages a model is asked
  (a ``prompt`` field, another field, or a template over the row's fields), with errors that
  name the missing field;
- :mod:`rewardlab.loop.sampling` -- N completions per prompt from a local causal LM
  (:class:`~rewardlab.loop.sampling.LocalSampler`: SmolLM2, a Hugging Face folder, a ``.gguf``
  file) or an OpenAI-compatible endpoint (:class:`~rewardlab.loop.sampling.OpenAISampler`);
- :mod:`rewardlab.loop.sample_file` -- ``rewardlab sample``: a prompts file -> one row per
  completion (group id, sample index, token counts, finish reason), resumable;
- :mod:`rewardlab.loop.scored` -- reading scored rows: the score, the group, the answer;
- :mod:`rewardlab.loop.selection` -- ``rewardlab select``: best-of-N, threshold (rejection
  sampling), top-k (RAFT), preference pairs (DPO / ``train bt``), group filters (DAPO);
- :mod:`rewardlab.loop.stats` -- group statistics: pass@k (unbiased), maj@k, per-prompt mean and
  variance, the share of zero-variance groups;
- :mod:`rewardlab.loop.bon_curve` -- proxy vs gold over best-of-N (``select best --gold-key``):
  the expected proxy and gold of the pick for each N, against the best-of-N KL.

The whole loop on the command line::

    rewardlab sample -m smollm2 -i prompts.jsonl -n 8 -o samples.jsonl
    rewardlab score -r math -i samples.jsonl --group-key group_id -o scored.jsonl
    rewardlab select best -i scored.jsonl -o best.jsonl --format sft
    rewardlab select best -i scored.jsonl -o best.jsonl --gold-key reward.components.gold   # proxy vs gold
    rewardlab select pairs -i scored.jsonl -o pairs.jsonl --min-margin 0.5
    rewardlab train bt --data pairs.jsonl -o models/rm
"""
