"""Decoding values that an untrusted program sends back, without trusting it.

The program side pickles its answers (fast, and every plain Python value round-trips), but the
checker unpickles them with a **restricted** unpickler: it can build only plain data (numbers,
strings, bytes, lists, tuples, dicts, sets, ...) and never looks up a class or function by name
except the few built-in constructors plain data needs. Anything else the program returns
arrives as a tagged marker that is checked and converted here: fractions, decimals and numeric
numpy values become real values; exception classes become local stand-ins; any other object
becomes a handle (a proxy whose every use is a call into the program) or is refused.

>>> import pickle
>>> decode(pickle.dumps({"a": [1, 2.5, (3, None)], "b": {1, 2}}), None)
{'a': [1, 2.5, (3, None)], 'b': {1, 2}}
>>> from collections import OrderedDict   # any class: found by name, so refused
>>> decode(pickle.dumps(OrderedDict(a=1)), None)
Traceback (most recent call last):
...
rewardlab.execution.sandbox.errors.ProgramProtocolError: the program sent a collections.OrderedDict object, ...data
"""

from __future__ import annotations

import builtins
import io
import pickle
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any, Protocol

from .errors import ProgramProtocolError

__all__ = ["PLAIN_TYPES", "MarkerResolver", "decode"]

PLAIN_TYPES = frozenset(
    {int, float, str, bytes, bool, type(None), complex, list, tuple, dict, set, frozenset, bytearray, range, slice}
)
_SCALARS = frozenset({int, float, str, bytes, bool, type(None), complex, range, slice, bytearray})
_ALLOWED_GLOBALS = {("builtins", n): getattr(builtins, n) for n in ("complex", "set", "frozenset", "bytearray")}
_ALLOWED_GLOBALS.update({("builtins", n): getattr(builtins, n) for n in ("range", "slice")})
_NUMPY_KINDS = frozenset("biufcUS")


class MarkerResolver(Protocol):
    """What the codec asks of a program session for markers it cannot decode alone."""

    def handle(self, handle_id: int, type_name: str) -> Any: ...

    def exception_class(self, qualname: str, base: str, builtin: bool) -> type[BaseException]: ...


class _Marker:
    """A placeholder for a tagged value inside the unpickled structure (inert until converted)."""

    __slots__ = ("pid",)

    def __init__(self, pid: object) -> None:
        self.pid = pid

    def __setstate__(self, state: object) -> None:
        raise pickle.UnpicklingError("malformed value from the program (state on a marker)")

    def __reduce__(self) -> Any:
        raise pickle.PicklingError("marker")


class _Unpickler(pickle.Unpickler):
    markers = False

    def find_class(self, module: str, name: str) -> Any:
        try:
            return _ALLOWED_GLOBALS[(module, name)]
        except KeyError:
            raise ProgramProtocolError(f"the program sent a {module}.{name} object, which is not plain data") from None

    def persistent_load(self, pid: Any) -> Any:
        self.markers = True
        return _Marker(pid)


def decode(payload: bytes, resolver: MarkerResolver | None) -> Any:
    """Unpickle ``payload`` from an untrusted program into plain data (plus resolved markers)."""
    unpickler = _Unpickler(io.BytesIO(payload))
    try:
        value = unpickler.load()
    except ProgramProtocolError:
        raise
    except Exception as exc:
        raise ProgramProtocolError(f"the program sent a malformed value: {type(exc).__name__}: {exc}") from None
    if not unpickler.markers:
        return value  # only plain data can have been built
    try:
        return _Converter(resolver).convert(value)
    except RecursionError:
        raise ProgramProtocolError("the program sent a value nested too deeply") from None


class _Converter:
    def __init__(self, resolver: MarkerResolver | None) -> None:
        self.resolver = resolver
        self.memo: dict[int, Any] = {}

    def convert(self, value: Any) -> Any:
        t = type(value)
        if t in _SCALARS:
            return value
        if t is _Marker:
            return self.marker(value.pid)
        key = id(value)
        if key in self.memo:
            return self.memo[key]
        if t is list:
            out: list[Any] = []
            self.memo[key] = out
            out.extend(self.convert(v) for v in value)
            return out
        if t is dict:
            d: dict[Any, Any] = {}
            self.memo[key] = d
            for k, v in value.items():
                d[self.convert(k)] = self.convert(v)
            return d
        if t is tuple:
            converted = tuple(self.convert(v) for v in value)
            self.memo[key] = converted
            return converted
        if t in (set, frozenset):
            converted_set = t(self.convert(v) for v in value)
            self.memo[key] = converted_set
            return converted_set
        raise ProgramProtocolError(f"the program sent a {t.__qualname__} object, which is not plain data")

    def marker(self, pid: Any) -> Any:
        if type(pid) is not tuple or not pid or type(pid[0]) is not str:
            raise ProgramProtocolError("malformed tagged value from the program")
        kind, args = pid[0], pid[1:]
        if kind == "fraction" and len(args) == 2 and type(args[0]) is int and type(args[1]) is int and args[1]:
            return Fraction(args[0], args[1])
        if kind == "decimal" and len(args) == 1 and type(args[0]) is str:
            try:
                return Decimal(args[0])
            except InvalidOperation:
                raise ProgramProtocolError("malformed decimal from the program") from None
        if kind == "ndarray" and len(args) == 3:
            return _ndarray(*args, convert=self.convert)
        if kind == "npscalar" and len(args) == 2:
            return _npscalar(*args)
        if kind == "exctype" and len(args) == 3 and all(type(a) is str for a in args[:2]) and type(args[2]) is bool:
            if self.resolver is None:
                raise ProgramProtocolError("the program sent an exception class where none is expected")
            return self.resolver.exception_class(args[0], args[1], args[2])
        if kind == "handle" and len(args) == 2 and type(args[0]) is int and type(args[1]) is str:
            if self.resolver is None:
                raise ProgramProtocolError(f"the program sent a {args[1]} object, which is not plain data")
            return self.resolver.handle(args[0], args[1])
        raise ProgramProtocolError(f"unknown tagged value {kind[:40]!r} from the program")


def _numpy_dtype(dtype_str: Any) -> Any:
    try:
        import numpy as np
    except ImportError:  # pragma: no cover - numpy is a core dependency
        raise ProgramProtocolError("the program sent a numpy value but numpy is not installed here") from None
    if type(dtype_str) is not str or len(dtype_str) > 16:
        raise ProgramProtocolError("malformed numpy dtype from the program")
    try:
        dtype = np.dtype(dtype_str)
    except TypeError:
        raise ProgramProtocolError("malformed numpy dtype from the program") from None
    if dtype.kind not in _NUMPY_KINDS or dtype.fields is not None or dtype.subdtype is not None:
        raise ProgramProtocolError(f"numpy values of dtype {dtype_str!r} are not accepted from programs")
    return np, dtype


def _ndarray(dtype_str: Any, shape: Any, data: Any, convert: Callable[[Any], Any]) -> Any:
    np, dtype = _numpy_dtype(dtype_str)
    if type(shape) is not tuple or not all(type(n) is int and n >= 0 for n in shape):
        raise ProgramProtocolError("malformed numpy shape from the program")
    try:
        return np.array(convert(data), dtype=dtype).reshape(shape)
    except (ValueError, TypeError, OverflowError) as exc:
        raise ProgramProtocolError(f"malformed numpy array from the program: {exc}") from None


def _npscalar(dtype_str: Any, item: Any) -> Any:
    _np, dtype = _numpy_dtype(dtype_str)
    if type(item) not in (int, float, complex, bool, str, bytes):
        raise ProgramProtocolError("malformed numpy scalar from the program")
    try:
        return dtype.type(item)
    except (ValueError, TypeError, OverflowError) as exc:
        raise ProgramProtocolError(f"malformed numpy scalar from the program: {exc}") from None
