"""``rewardlab score --ray``: score a large JSONL file across a Ray cluster.

The command cuts the input into batches exactly as without ``--ray`` (groups never split), sends
them to Ray tasks (at most ``max_in_flight`` at once, so memory stays bounded however large the
file), and yields the results **in input order**, so the output file is the same as without
``--ray`` (``latency_ms`` aside). The spec travels once (``ray.put``); files a spec points to
(``rm:DIR``) must be readable at the same path on every node.

``address`` is the cluster (``auto`` joins the one ``ray start --head`` made on this machine,
``ray://HOST:10001`` a remote one); without it, a Ray cluster already initialized in this process
is used, else a local one is started for the run and stopped after it.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator
from typing import Any, TypeVar

from ..core.result import RewardResult
from ..core.sample import Sample
from ..core.spec import Spec

__all__ = ["ray_score_batches"]

T = TypeVar("T")


def _score_chunk(spec: Spec, samples: list[Sample], step: int | None, group_key: str | None) -> list[RewardResult]:
    return spec.score_batch(samples, step=step, group_key=group_key)


def ray_score_batches(
    spec: Spec,
    batches: Iterable[list[T]],
    *,
    sample_of: Any = None,
    step: int | None = None,
    group_key: str | None = None,
    address: str | None = None,
    max_in_flight: int | None = None,
    num_cpus_per_task: float = 1.0,
) -> Iterator[tuple[list[T], list[RewardResult]]]:
    """Score batches on Ray; yields ``(batch, results)`` in the order of ``batches``.

    ``sample_of`` maps a batch item to its :class:`Sample` (default: the item itself).
    """
    import ray

    started_here = False
    if not ray.is_initialized():
        ray.init(address=address, include_dashboard=False, configure_logging=False, log_to_driver=False)
        started_here = True
    try:
        remote = ray.remote(num_cpus=num_cpus_per_task, max_retries=2)(_score_chunk)
        spec_ref = ray.put(spec)
        limit = max_in_flight or max(2, 2 * int(ray.cluster_resources().get("CPU", 2)))
        pending: deque[tuple[list[T], Any]] = deque()
        get = sample_of or (lambda item: item)
        for batch in batches:
            samples = [get(item) for item in batch]
            pending.append((batch, remote.remote(spec_ref, samples, step, group_key)))
            while len(pending) >= limit:
                done_batch, ref = pending.popleft()
                yield done_batch, ray.get(ref)
        while pending:
            done_batch, ref = pending.popleft()
            yield done_batch, ray.get(ref)
    finally:
        if started_here:
            ray.shutdown()
