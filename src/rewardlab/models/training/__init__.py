"""Training learned rewards: Bradley-Terry reward models (``rewardlab train bt``).

- :mod:`.config`: the training parameters (validated, recorded in the model card);
- :mod:`.loss`: the pairwise loss with margin and reward-centring regularizer;
- :mod:`.batches`: length-bucketed, shuffled pair batches;
- :mod:`.trainer`: training one member (optimizer, schedule, accumulation, held-out accuracy);
- :mod:`.bt`: the whole run (ensemble members or heads, saving, the card);
- :mod:`.features`: a linear probe's frozen-body features, computed once per distinct input;
- :mod:`.card`: ``MODEL_CARD.md`` and ``card.json``;
- :mod:`.progress`: the rich progress display.

Importing this package is light; the modules that need torch import it themselves.
"""
