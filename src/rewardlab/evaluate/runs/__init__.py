"""The evaluation drivers: read the data, score it through a spec, compute the metrics, write the
run directory (``summary.json``, ``samples.jsonl``, ``report.html``) and record it in the store.

One module per evaluation kind (:mod:`.prefs`, :mod:`.bon`, :mod:`.robustness`, :mod:`.agreement`,
:mod:`.distance`); :mod:`.rundir` and :mod:`.store` hold the run directories; :mod:`.scoring`
scores in batches; :mod:`.pairs`, :mod:`.bon_data`, :mod:`.sample_data` read the data. Import the
modules themselves; this package imports nothing.
"""
