"""Code verification: the ``code`` reward and the pieces it is built from.

One concern per module; the first three run in the caller, the rest in a pool worker (the
*checker*), which holds the tests and judges the program's answers:

- :mod:`.reward` -- :class:`CodeReward`, registered as ``code``, and the worker pool it uses;
- :mod:`.program` -- the program model: the code in a completion, after the prompt's code;
- :mod:`.suite` -- the shapes of a sample's ``tests``, validated into one :class:`~.suite.TestSuite`;
- :mod:`.units` -- splitting an assert suite into units (one test per statement that asserts);
- :mod:`.names` -- which of the program's names test code may see, the prompt's stub functions;
- :mod:`.plan` -- the call planner: a unit's calls into the program, known before it runs;
- :mod:`.deadline` -- the checker's deadline for test code (a timer nothing can swallow);
- :mod:`.checker` -- running a program against its tests in the sandbox (runs in the worker).

Importing the package loads neither the sandbox nor the worker pool.
"""

from .reward import CodeReward, code_pool, humaneval_sample

__all__ = ["CodeReward", "code_pool", "humaneval_sample"]
