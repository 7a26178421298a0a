"""Helpers shared by the verifiers; none of them is a reward.

- :mod:`.boxes` -- ``\\boxed{}`` / ``\\fbox{}`` / ``\\framebox{}``: the one box reader of every verifier;
- :mod:`.text` -- text normalization, answer extraction (tags, boxes, last line, regex), lengths;
- :mod:`.references` -- a sample's reference answers, as text;
- :mod:`.hedges` -- the one hedge / negation vocabulary, with its strictness flag;
- :mod:`.guards` -- refusal rules: answers that restate the prompt or list candidates;
- :mod:`.confusables` -- folding Unicode look-alikes to the letters they imitate;
- :mod:`.jsontext` -- strict JSON in a completion (whole, fenced or anywhere).

Nothing here imports a heavy backend at import time.
"""
