"""The client of ``rewardlab serve`` (sync and async; several URLs with sharding and failover).

>>> from rewardlab.client import RewardClient, AsyncRewardClient
>>> RewardClient("http://127.0.0.1:8000").urls
['http://127.0.0.1:8000']

See :mod:`rewardlab.serve.client` for the details.
"""

from .serve.client import AsyncRewardClient, RequestRejected, RewardClient, ServerUnavailable

__all__ = ["AsyncRewardClient", "RequestRejected", "RewardClient", "ServerUnavailable"]
