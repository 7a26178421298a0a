"""Prometheus metrics of the reward server (``GET /metrics``).

Each server owns its registry, so several servers in one process (tests, Ray replicas) never
clash. What is measured:

- ``rewardlab_requests_total{endpoint,code}`` and ``rewardlab_request_latency_seconds{endpoint}``;
- ``rewardlab_samples_total{status}``, ``rewardlab_timeouts_total``;
- ``rewardlab_unscored_total{status,reason}``: results without a score by why (``info['reason']``:
  ``missing_group_key``, ``group_of_one``, ``missing_label``, a verifier's reason ...);
- ``rewardlab_filled_total{endpoint}``: scores a trainer got as the ``on_missing`` value
  (``/get_reward`` answers a number for every query);
- ``rewardlab_component_score{component}`` (a summary: count and sum, hence the mean) and
  ``rewardlab_score``;
- ``rewardlab_cache_hits_total``, ``rewardlab_cache_misses_total``;
- ``rewardlab_queue_depth`` (samples waiting), ``rewardlab_batch_size`` (samples per model
  call), ``rewardlab_rejected_total{reason}``, ``rewardlab_abandoned_batches_total``,
  ``rewardlab_ready``.

>>> m = ServerMetrics()
>>> from rewardlab.core.result import RewardResult
>>> m.observe_results([RewardResult.ok(1.0, components={"acc": 1.0})])
>>> b'rewardlab_component_score_count{component="acc"} 1.0' in m.render()[0]
True
>>> m.observe_results([RewardResult.failed("no group", info={"reason": "missing_group_key"})])
>>> b'rewardlab_unscored_total{reason="missing_group_key",status="error"} 1.0' in m.render()[0]
True
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from ..core.result import RewardResult, Status

__all__ = ["ServerMetrics", "reason_label"]

_SLUG = re.compile(r"[^a-z0-9]+")


def reason_label(result: RewardResult) -> str:
    """A short, bounded label for why a result has no score (``info['reason']``, else the error's kind).

    >>> reason_label(RewardResult.not_applicable("No reference answer!"))
    'no_reference_answer'
    >>> reason_label(RewardResult.failed("ValueError: bad input"))
    'valueerror'
    """
    reason = result.info.get("reason")
    text = reason if isinstance(reason, str) and reason else (result.error or "").split(":", 1)[0]
    return _SLUG.sub("_", text.lower()).strip("_")[:48] or "unknown"


LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0)
BATCH_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024)


class ServerMetrics:
    """The server's Prometheus collectors, in a registry of its own."""

    def __init__(self) -> None:
        from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, Summary

        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.requests = Counter(
            "rewardlab_requests", "HTTP requests by endpoint and status code.", ["endpoint", "code"], registry=r
        )
        self.latency = Histogram(
            "rewardlab_request_latency_seconds",
            "Time to answer a request, by endpoint.",
            ["endpoint"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.samples = Counter("rewardlab_samples", "Scored samples by result status.", ["status"], registry=r)
        self.timeouts = Counter("rewardlab_timeouts", "Samples whose result is a timeout.", registry=r)
        self.unscored = Counter(
            "rewardlab_unscored",
            "Results without a score, by status and reason (info.reason, else the kind of error).",
            ["status", "reason"],
            registry=r,
        )
        self.filled = Counter(
            "rewardlab_filled",
            "Scores answered as the on_missing value because the result had none, by endpoint.",
            ["endpoint"],
            registry=r,
        )
        self.score = Summary("rewardlab_score", "The spec's score of each scored sample.", registry=r)
        self.components = Summary(
            "rewardlab_component_score", "Score of each component (leaf reward).", ["component"], registry=r
        )
        self.cache_hits = Counter("rewardlab_cache_hits", "Results answered from the cache.", registry=r)
        self.cache_misses = Counter("rewardlab_cache_misses", "Results that had to be computed.", registry=r)
        self.queue_depth = Gauge("rewardlab_queue_depth", "Samples waiting to be batched.", registry=r)
        self.in_flight = Gauge("rewardlab_batches_in_flight", "Batches being scored now.", registry=r)
        self.batch_size = Histogram(
            "rewardlab_batch_size", "Samples per scoring call (dynamic batching).", buckets=BATCH_BUCKETS, registry=r
        )
        self.rejected = Counter(
            "rewardlab_rejected",
            "Requests refused, by reason (queue_full, too_large, unauthorized, timeout: a body not received in time).",
            ["reason"],
            registry=r,
        )
        self.abandoned = Counter(
            "rewardlab_abandoned_batches",
            "Batches still running after every request in them passed its deadline (their worker slot was freed).",
            registry=r,
        )
        self.ready = Gauge("rewardlab_ready", "1 once the spec's models are loaded.", registry=r)

    def observe_results(self, results: Iterable[RewardResult]) -> None:
        for r in results:
            self.samples.labels(status=r.status.value).inc()
            if r.status is Status.TIMEOUT:
                self.timeouts.inc()
            if r.score is not None:
                self.score.observe(r.score)
            else:
                self.unscored.labels(status=r.status.value, reason=reason_label(r)).inc()
            for name, value in r.components.items():
                if value is not None:
                    self.components.labels(component=name).observe(value)

    def render(self) -> tuple[bytes, str]:
        """The exposition text and its content type."""
        from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

        return generate_latest(self.registry), CONTENT_TYPE_LATEST
