"""Pure computations of the evaluations: numbers in, numbers out (no files, no rewards scored).

Import the modules themselves (``rewardlab.evaluate.metrics.bon``); this package imports nothing.
"""
