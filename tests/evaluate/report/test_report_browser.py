"""Generated HTML reports open in headless Chromium with every plot present, decoded and rendered.

Reports of all five kinds are generated from the real data in ../shared/data, opened in Debian's
``chromium`` (installed by ``make install`` as root or with sudo: ``scripts/install-system-deps.sh``)
through the DevTools protocol, and checked: the plots the
page declares are exactly the expected ones, each ``<img>`` decodes with a non-zero natural size
and is laid out with a non-zero size, the page loads nothing from the network, and a full-page
screenshot is saved (its path is printed). Without ``../shared/data`` or without Chromium the test
skips and says why.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from rewardlab.core.spec import resolve
from rewardlab.evaluate.runs.agreement import AgreementOptions, run_agreement
from rewardlab.evaluate.runs.bon import BonOptions, run_bon
from rewardlab.evaluate.runs.distance import run_distance
from rewardlab.evaluate.runs.prefs import PrefsOptions, run_prefs
from rewardlab.evaluate.runs.robustness import RobustnessOptions, run_robustness

from .cdp import Browser, find_chromium

CHROMIUM_MISSING = (
    "chromium is not installed: run `make install` as root or with passwordless sudo "
    "(scripts/install-system-deps.sh), or `apt-get install chromium`"
)

EXPECTED_PLOTS = {
    "prefs": {"subset_accuracy", "score_histograms", "length_vs_score", "reliability_diagram"},
    "bon": {"bon_curve", "overoptimization_curve"},
    "robustness": {"robustness_consistency", "robustness_accuracy_change"},
    "agreement": {"agreement_scatter"},
    "distance": {"canonical_scatter"},
}

_INSPECT = """
(async () => {
  const imgs = Array.from(document.querySelectorAll('img'));
  const decoded = await Promise.all(imgs.map(i => i.decode().then(() => true, () => false)));
  return {
    declared: (document.body.dataset.plots || '').split(',').filter(Boolean),
    images: imgs.map((i, k) => {
      const box = i.getBoundingClientRect();
      return {plot: i.dataset.plot, decoded: decoded[k], complete: i.complete, naturalWidth: i.naturalWidth,
              naturalHeight: i.naturalHeight, width: box.width, height: box.height,
              inline: i.src.startsWith('data:image/png;base64,')};
    }),
    tables: document.querySelectorAll('table').length,
    external: performance.getEntriesByType('resource').map(r => r.name).filter(n => !n.startsWith('data:')),
    title: document.title,
  };
})()
"""


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    from tests.conftest import SHARED_DATA

    if not SHARED_DATA.exists():
        pytest.skip(
            f"shared data not found at {SHARED_DATA} (the development data set next to the checkout; "
            "set REWARDLAB_SHARED_DATA to use another folder)"
        )
    if find_chromium() is None:
        pytest.skip(CHROMIUM_MISSING)
    root = tmp_path_factory.mktemp("reports")
    hh = str(SHARED_DATA / "hh_harmless_dev.jsonl.gz")
    bon = str(SHARED_DATA / "alpaca_bon16.jsonl.gz")
    chars = resolve("ev_chars")
    out = {
        "prefs": run_prefs(
            chars, hh, out=str(root / "prefs"), limit=120, options=PrefsOptions(n_boot=200), record=False
        ),
        "bon": run_bon(chars, bon, out=str(root / "bon"), limit=60, options=BonOptions(batch_size=256), record=False),
        "robustness": run_robustness(
            resolve("ev_vowels"),
            hh,
            out=str(root / "robustness"),
            limit=60,
            options=RobustnessOptions(batch_size=256),
            record=False,
        ),
        "agreement": run_agreement(
            chars,
            resolve("ev_vowels"),
            hh,
            mapping={"completion": "chosen"},
            out=str(root / "agreement"),
            limit=80,
            options=AgreementOptions(threshold_a=300),
            record=False,
        ),
        "distance": run_distance(chars, resolve("ev_vowels"), bon, out=str(root / "distance"), limit=12, record=False),
    }
    return {kind: outcome.report for kind, outcome in out.items()}


@pytest.mark.integration
def test_every_plot_is_present_and_rendered(reports: dict[str, Path], tmp_path: Path) -> None:
    chromium = find_chromium()
    if chromium is None:
        pytest.skip(CHROMIUM_MISSING)
    with Browser(chromium) as browser:
        for kind, report in reports.items():
            browser.open(report.resolve().as_uri())
            page = browser.evaluate(_INSPECT)
            shot = browser.screenshot(tmp_path / f"report-{kind}.png")
            print(f"\nscreenshot of the {kind} report: {shot}")
            images = page["images"]
            assert set(page["declared"]) == EXPECTED_PLOTS[kind], (kind, page["declared"])
            assert sorted(i["plot"] for i in images) == sorted(page["declared"]), kind
            for img in images:
                assert img["inline"], (kind, img["plot"])  # standalone: embedded, not linked
                assert img["decoded"] and img["complete"], (kind, img)
                assert img["naturalWidth"] > 100 and img["naturalHeight"] > 100, (kind, img)
                assert img["width"] > 100 and img["height"] > 50, (kind, img)  # laid out, visible
            assert page["tables"] >= 2 and page["external"] == [], (kind, page["external"])
            assert kind in page["title"]
            assert shot.stat().st_size > 20_000 and shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
