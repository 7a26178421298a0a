"""Learned rewards: backbones, Bradley-Terry models, process rewards, generative judges, implicit
rewards. Importing this package must stay light: torch and transformers load inside methods."""
