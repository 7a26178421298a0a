"""Evaluating rewards: preference accuracy, best-of-N, robustness, agreement, distances, reports."""
