"""The sandbox's wire contract: what both ends of its sockets must agree on, in one place.

The fork server (``zygote.py``, run as a script inside the isolation, where only the standard
library and this directory are visible) loads this file by path; the checker's side imports it:
the client that drives the fork server (``client``), the decoder of what programs send
(``codec``), the remote calls into a program (``remote``) and the framing of every stream
channel (:mod:`rewardlab.execution.wire`). So this module imports nothing but the standard
library, and nothing of rewardlab.

>>> FRAME_HEADER.size, FRAME_HEADER.pack(5)
(8, b'\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x05')
>>> sorted(cls.__name__ for cls in PICKLED_BY_NAME)
['bytearray', 'complex', 'frozenset', 'range', 'set', 'slice']
"""

from __future__ import annotations

import struct

__all__ = [
    "COMPILE_FLAGS",
    "CONTROL_MAX",
    "FRAME_HEADER",
    "MAX_REPLY",
    "MAX_REQUEST",
    "NAME_KINDS",
    "NUMPY_KINDS",
    "OPERATIONS",
    "PICKLED_BY_NAME",
    "PLAIN_TYPES",
    "TAGGED_VALUES",
]

# ---- framing ----------------------------------------------------------------------------------
FRAME_HEADER = struct.Struct("!Q")
"""Every message on a stream channel is this header (the payload's length) and the payload."""

CONTROL_MAX = 1 << 22
"""The largest control message between the checker and the fork server (a SOCK_SEQPACKET datagram)."""

MAX_REQUEST = 256 * 1024 * 1024
"""The largest request a program process reads from the checker (a call's pickled arguments)."""

MAX_REPLY = 16 * 1024 * 1024
"""The largest answer the checker reads from a program (its pickle; what it decodes to is
bounded by ``codec.DEFAULT_LIMITS``)."""

COMPILE_FLAGS = 0x1000000
"""The flags programs are compiled with, by the checker (small programs, ahead) or by the program
process: ``__future__.annotations.compiler_flag`` (postponed evaluation of annotations, PEP 563)."""

# ---- values a program sends -------------------------------------------------------------------
PLAIN_TYPES = frozenset(
    {int, float, str, bytes, bool, type(None), complex, list, tuple, dict, set, frozenset, bytearray, range, slice}
)
"""Types whose values pass as they are (the program pickles them; the checker's restricted
unpickler rebuilds them)."""

PICKLED_BY_NAME = (complex, set, frozenset, bytearray, range, slice)
"""The plain classes a pickle refers to by name (``builtins.NAME``): the only globals the
checker's decoder accepts."""

NUMPY_KINDS = "biufcUS"
"""``dtype.kind`` of the numpy arrays and scalars that pass as tagged values (numbers, text)."""

TAGGED_VALUES = ("fraction", "decimal", "ndarray", "npscalar", "exctype", "handle")
"""Persistent ids a program's pickle may carry (``(kind, *args)``): a ``Fraction``, a ``Decimal``,
a numpy array or scalar, an exception class, and a handle to an object left in the program."""

NAME_KINDS = ("function", "class", "exception", "value")
"""What a program's top-level name is, in the greeting of a loaded program."""

OPERATIONS = (
    "eq",
    "ne",
    "lt",
    "le",
    "gt",
    "ge",
    "hash",
    "len",
    "iter",
    "next",
    "getitem",
    "setitem",
    "delitem",
    "contains",
    "bool",
    "repr",
    "str",
    "int",
    "float",
    "index",
    "neg",
    "pos",
    "abs",
    "invert",
    "add",
    "sub",
    "mul",
    "truediv",
    "floordiv",
    "mod",
    "pow",
    "matmul",
    "and",
    "or",
    "xor",
    "lshift",
    "rshift",
    "radd",
    "rsub",
    "rmul",
    "rtruediv",
    "rfloordiv",
    "rmod",
    "rpow",
    "dir",
    "enter",
    "exit",
)
"""The operations a checker may ask of an object left in the program (``("op", NAME, handle,
args)``): the program process carries them out, on the object, in its own process."""
