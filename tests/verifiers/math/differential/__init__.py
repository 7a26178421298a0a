"""Differential tests of the ``math`` reward: a generated corpus of answer forms with known labels."""
