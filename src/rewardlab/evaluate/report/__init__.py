"""The standalone HTML report of a run: :mod:`.page` (an HTML page under construction),
:mod:`.plots` (matplotlib figures as data URIs), :mod:`.sections` (one per evaluation kind) and
:mod:`.render` (the whole page from a run's summary and rows). Import the modules themselves;
this package imports nothing.
"""
