"""OpenRLHF remote reward file: pass this file's path as ``--remote_rm_url``.

OpenRLHF loads the file by path and calls ``reward_func(queries, prompts, labels)``. Configure
it with environment variables (set them in the Ray job's runtime environment):

- ``REWARDLAB_SPEC``: a spec file or reward name, scored in the Ray worker's process; or
- ``REWARDLAB_URL``: one or more ``rewardlab serve`` URLs (comma separated), scored remotely;
- ``REWARDLAB_TOKEN``, ``REWARDLAB_LABEL_FIELD`` (default ``answer``), ``REWARDLAB_ON_MISSING``
  (``raise`` | ``nan`` | a number).

Print the path with ``python -m rewardlab.integrations.openrlhf``.
"""

from rewardlab.integrations.openrlhf import reward_func

__all__ = ["reward_func"]
