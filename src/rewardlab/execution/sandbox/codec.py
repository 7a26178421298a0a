"""Decoding values that an untrusted program sends back, without trusting it.

The program side pickles its answers (fast, and every plain Python value round-trips), but the
checker unpickles them with a **restricted** unpickler: it can build only plain data (numbers,
strings, bytes, lists, tuples, dicts, sets, ...) and never looks up a class or function by name
except the few built-in constructors plain data needs (each behind a guard that refuses what
plain data never needs: ``bytearray(10**9)``, ``set(range(10**12))``). Anything else the program
returns arrives as a tagged marker that is checked and converted here: fractions, decimals and
numeric numpy values become real values; exception classes become local stand-ins; any other
object becomes a handle (a proxy whose every use is a call into the program) or is refused.

**Size.** The checker runs outside the sandbox, so what a program sends must stay cheap for the
tests to use. Every decoded value is measured against :class:`DecodeLimits` -- items (an object
shared by reference counts each time it is reached, so a small pickle whose references fan out
into 2**60 paths is refused, not traversed by a test's ``==`` or ``hash``), characters, nesting
depth, bits of each integer (``Fraction`` of two huge integers, ``Decimal('1e999999999')``),
length of a ``range``, bytes of a numpy array -- and refused whole when it is over.

>>> import pickle
>>> decode(pickle.dumps({"a": [1, 2.5, (3, None)], "b": {1, 2}}), None)
{'a': [1, 2.5, (3, None)], 'b': {1, 2}}
>>> from collections import OrderedDict   # any class: found by name, so refused
>>> decode(pickle.dumps(OrderedDict(a=1)), None)
Traceback (most recent call last):
...
rewardlab.execution.sandbox.errors.ProgramProtocolError: the program sent a collections.OrderedDict object, ...data
>>> decode(pickle.dumps(range(10**12)), None)
Traceback (most recent call last):
...
rewardlab.execution.sandbox.errors.ProgramProtocolError: the program sent a value too large for the checker: ...
"""

from __future__ import annotations

import io
import math
import pickle
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any, Protocol

from .errors import ProgramProtocolError
from .protocol import NUMPY_KINDS, PICKLED_BY_NAME

__all__ = ["DEFAULT_LIMITS", "DecodeLimits", "MarkerResolver", "decode"]

_NUMPY_KINDS = frozenset(NUMPY_KINDS)


@dataclass(frozen=True)
class DecodeLimits:
    """How much one value from a program may weigh once decoded (each limit refuses the value).

    ``max_items``: elements of containers and ``range`` s, counted each time a shared object is
    reached (the work of one traversal by a test); ``max_chars``: characters of strings and bytes
    (likewise); ``max_depth``: nesting of containers (a value that contains itself is too deep);
    ``max_int_bits``: bits of one integer (numerators, denominators, range bounds included);
    ``max_decimal_exponent``: digits and exponent of a ``Decimal``; ``max_array_bytes``: the
    memory of one numpy array.
    """

    max_items: int = 4_000_000
    max_chars: int = 16 * 1024 * 1024
    max_depth: int = 100
    max_int_bits: int = 1 << 17
    max_decimal_exponent: int = 40_000
    max_array_bytes: int = 64 * 1024 * 1024


DEFAULT_LIMITS = DecodeLimits()


class MarkerResolver(Protocol):
    """What the codec asks of a program session for markers it cannot decode alone."""

    def handle(self, handle_id: int, type_name: str) -> Any: ...

    def exception_class(self, qualname: str, base: str, builtin: bool) -> type[BaseException]: ...


def _too_large(what: str) -> ProgramProtocolError:
    return ProgramProtocolError(f"the program sent a value too large for the checker: {what}")


# ---- the constructors a pickle of plain data may call (REDUCE), each refusing non-plain uses ----------
_SEQUENCES = (list, tuple, set, frozenset)


def _set(items: Any = ()) -> set[Any]:
    if type(items) not in _SEQUENCES:
        raise ProgramProtocolError(f"malformed set from the program (built from a {type(items).__name__})")
    return set(items)


def _frozenset(items: Any = ()) -> frozenset[Any]:
    if type(items) not in _SEQUENCES:
        raise ProgramProtocolError(f"malformed frozenset from the program (built from a {type(items).__name__})")
    return frozenset(items)


def _bytearray(source: Any = b"", encoding: Any = None) -> bytearray:
    if type(source) is bytes and encoding is None:
        return bytearray(source)
    if type(source) is str and encoding in ("latin-1", "latin1"):  # (protocol 2)
        return bytearray(source, "latin-1")
    raise ProgramProtocolError(f"malformed bytearray from the program (built from a {type(source).__name__})")


def _complex(real: Any = 0.0, imag: Any = 0.0) -> complex:
    if type(real) not in (float, int) or type(imag) not in (float, int):
        raise ProgramProtocolError("malformed complex number from the program")
    try:
        return complex(real, imag)
    except OverflowError:
        raise _too_large("a complex number out of the float range") from None


def _range(*args: Any) -> range:
    if not 1 <= len(args) <= 3 or any(type(a) is not int for a in args):
        raise ProgramProtocolError("malformed range from the program")
    return range(*args)  # (its length and bounds are measured with the rest of the value)


def _slice(*args: Any) -> slice:
    if not 1 <= len(args) <= 3:
        raise ProgramProtocolError("malformed slice from the program")
    return slice(*args)


_CONSTRUCTORS: dict[type, Callable[..., Any]] = {
    set: _set,
    frozenset: _frozenset,
    bytearray: _bytearray,
    complex: _complex,
    range: _range,
    slice: _slice,
}
# The globals a program's pickle may name: the classes of ``protocol.PICKLED_BY_NAME``, each built
# by its guarded constructor above (a class there without one fails here, at import).
_ALLOWED_GLOBALS: dict[tuple[str, str], Callable[..., Any]] = {
    ("builtins", cls.__name__): _CONSTRUCTORS[cls] for cls in PICKLED_BY_NAME
}


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


def decode(payload: bytes, resolver: MarkerResolver | None, limits: DecodeLimits = DEFAULT_LIMITS) -> Any:
    """Unpickle ``payload`` from an untrusted program into plain data (plus resolved markers),
    refusing a value over ``limits``."""
    unpickler = _Unpickler(io.BytesIO(payload))
    try:
        value = unpickler.load()
    except ProgramProtocolError:
        raise
    except MemoryError:
        raise _too_large(f"{len(payload)} bytes that do not fit in the checker's memory") from None
    except Exception as exc:
        raise ProgramProtocolError(f"the program sent a malformed value: {type(exc).__name__}: {exc}") from None
    if not _small_tree(payload, limits):
        measure(value, limits)
    if not unpickler.markers:
        return value  # only plain data can have been built
    return _Converter(resolver, limits).convert(value)


def _small_tree(payload: bytes, limits: DecodeLimits) -> bool:
    """Whether ``payload`` surely decodes to a value within ``limits`` without measuring it: a
    pickle without memo references (``GET``, ``BINGET``, ``LONG_BINGET``, ``DUP``: the only ways
    to reach an object twice, or to make one contain itself) builds a tree of at most one object
    per byte, its integers take a byte per 8 bits and its strings a byte per character -- so a
    short one is small in every way but one, a ``range``. (Bytes of data that happen to look like
    those opcodes only send a value to be measured.)"""
    short = _DEFAULT_SHORT if limits is DEFAULT_LIMITS else _short_enough(limits)
    return len(payload) <= short and not _SHARING_OR_RANGE.search(payload)


_SHARING_OR_RANGE = re.compile(rb"[ghj2]|range")


def _short_enough(limits: DecodeLimits) -> int:
    return min(limits.max_depth, limits.max_items, limits.max_chars, limits.max_int_bits // 8)


_DEFAULT_SHORT = _short_enough(DEFAULT_LIMITS)


# ---- measuring --------------------------------------------------------------------------------------------
_FLAT = frozenset({int, float, bool, type(None), complex, str, bytes, bytearray, range})
_TEXT = (str, bytes, bytearray)
_CONTAINERS = frozenset({list, tuple, set, frozenset, dict})
_COMPOSITE = _CONTAINERS | {slice, _Marker}
_OPEN = (-1, -1, -1)  # a container being measured (reached again below itself: it contains itself)


def measure(value: Any, limits: DecodeLimits = DEFAULT_LIMITS) -> None:
    """Raise :class:`ProgramProtocolError` when ``value`` (as unpickled) is over ``limits``.

    Sizes count a shared object each time it is reached (the work a test does when it traverses
    the value). A small value is simply walked; a larger one is measured object by object, each
    object once (its size is remembered), so measuring costs time in proportion to the pickle,
    however far its shared references fan out.
    """
    try:
        items, chars = _walk(value, 0, limits, [_WALK_BUDGET])
    except _TooBigToWalk:
        _measure_shared(value, limits)
        return
    _checked(items, chars, 0, limits)


_WALK_BUDGET = 2000  # elements a plain walk visits before the measure that remembers sizes takes over


class _TooBigToWalk(Exception):
    pass


def _walk(v: Any, depth: int, limits: DecodeLimits, left: list[int]) -> tuple[int, int]:
    """(items, chars) of a small value, by a plain recursive walk."""
    t = type(v)
    if t is tuple or t is list or t is dict or t is set or t is frozenset or t is slice or t is _Marker:
        if depth >= limits.max_depth:
            raise _too_large(f"containers nested more than {limits.max_depth} deep (or one that contains itself)")
        children = v if t is tuple or t is list else _children(v)
        left[0] -= len(children)
        if left[0] < 0:
            raise _TooBigToWalk
        items, chars = 1, 0
        depth += 1
        for child in children:
            ct = type(child)
            if ct is int:
                if child.bit_length() > limits.max_int_bits:
                    raise _too_large(f"an integer of {child.bit_length()} bits (at most {limits.max_int_bits})")
                items += 1
            elif ct is str or ct is bytes:
                items += 1
                chars += len(child)
            elif ct is float or ct is bool or child is None:
                items += 1
            else:
                i, c = _walk(child, depth, limits, left)
                items += i
                chars += c
        return items, chars
    if t is int:
        if v.bit_length() > limits.max_int_bits:
            raise _too_large(f"an integer of {v.bit_length()} bits (at most {limits.max_int_bits})")
        return 1, 0
    if t is str or t is bytes or t is bytearray:
        return 1, len(v)
    if t is float or t is bool or v is None or t is complex:
        return 1, 0
    return _flat_size((v,), limits)  # a range (or, defensively, anything else: refused there)


def _measure_shared(value: Any, limits: DecodeLimits) -> None:
    memo: dict[int, tuple[int, int, int]] = {}  # id -> (items, chars, height)
    stack = [value]
    while stack:
        v = stack[-1]
        key = id(v)
        known = memo.get(key)
        if known is not None and known is not _OPEN:
            stack.pop()
            continue
        children = _children(v)
        if known is None:
            kinds = set(map(type, children))
            if kinds <= _FLAT:
                items, chars = _flat_size(children, limits)
                memo[key] = _checked(items + 1, chars, 1, limits)
                stack.pop()
                continue
            memo[key] = _OPEN
            pending = []
            for child in children:
                if type(child) in _COMPOSITE:
                    state = memo.get(id(child))
                    if state is _OPEN:
                        raise _too_large("a container that contains itself")
                    if state is None:
                        pending.append(child)
            if pending:
                stack.extend(pending)
                continue
        items, chars, height = 1, 0, 0
        flat = []
        for child in children:
            if type(child) in _COMPOSITE:
                c_items, c_chars, c_height = memo[id(child)]
                items += c_items
                chars += c_chars
                if c_height > height:
                    height = c_height
            else:
                flat.append(child)
        f_items, f_chars = _flat_size(flat, limits)
        memo[key] = _checked(items + f_items, chars + f_chars, height + 1, limits)
        stack.pop()


def _children(v: Any) -> Any:
    t = type(v)
    if t is dict:
        children = list(v.keys())
        children += v.values()
        return children
    if t is slice:
        return (v.start, v.stop, v.step)
    if t is _Marker:
        return (v.pid,)
    return v


def _flat_size(values: Any, limits: DecodeLimits) -> tuple[int, int]:
    """(items, chars) of scalars, checking each integer's size (at C speed when they are all ints)."""
    items, chars = len(values), 0
    kinds = set(map(type, values))
    if int in kinds:
        ints = values if len(kinds) == 1 else [v for v in values if type(v) is int]
        bits = max(map(int.bit_length, ints), default=0)
        if bits > limits.max_int_bits:
            raise _too_large(f"an integer of {bits} bits (at most {limits.max_int_bits})")
    if kinds & _TEXT_KINDS:
        chars = sum(len(v) for v in values if type(v) in _TEXT)
    if range in kinds:
        for r in values:
            if type(r) is range:
                for bound in (r.start, r.stop, r.step):
                    if bound.bit_length() > limits.max_int_bits:
                        raise _too_large(f"a range bound of {bound.bit_length()} bits (at most {limits.max_int_bits})")
                try:
                    items += len(r)
                except OverflowError:
                    raise _too_large("a range of more than sys.maxsize items") from None
    if not kinds <= _FLAT:  # pragma: no cover - the unpickler builds nothing else
        odd = next(t for t in kinds if t not in _FLAT)
        raise ProgramProtocolError(f"the program sent a {odd.__qualname__} object, which is not plain data")
    return _checked(items, chars, 0, limits)[:2]


_TEXT_KINDS = frozenset(_TEXT)


def _checked(items: int, chars: int, height: int, limits: DecodeLimits) -> tuple[int, int, int]:
    if items > limits.max_items:
        raise _too_large(f"more than {limits.max_items} items (counting each reference to a shared object)")
    if chars > limits.max_chars:
        raise _too_large(f"more than {limits.max_chars} characters of strings and bytes")
    if height > limits.max_depth:
        raise _too_large(f"containers nested more than {limits.max_depth} deep")
    return items, chars, height


# ---- markers ------------------------------------------------------------------------------------------------
class _Converter:
    def __init__(self, resolver: MarkerResolver | None, limits: DecodeLimits) -> None:
        self.resolver = resolver
        self.limits = limits
        self.memo: dict[int, Any] = {}

    def convert(self, value: Any) -> Any:
        t = type(value)
        if t is _Marker:
            return self.marker(value.pid)
        if t not in _CONTAINERS and t is not slice:
            return value
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
        if t is slice:
            converted_slice = slice(self.convert(value.start), self.convert(value.stop), self.convert(value.step))
            self.memo[key] = converted_slice
            return converted_slice
        converted = t(self.convert(v) for v in value)  # tuple, set, frozenset
        self.memo[key] = converted
        return converted

    def marker(self, pid: Any) -> Any:
        if type(pid) is not tuple or not pid or type(pid[0]) is not str:
            raise ProgramProtocolError("malformed tagged value from the program")
        kind, args = pid[0], pid[1:]
        if kind == "fraction" and len(args) == 2 and type(args[0]) is int and type(args[1]) is int and args[1]:
            return Fraction(args[0], args[1])  # (both measured: at most max_int_bits each)
        if kind == "decimal" and len(args) == 1 and type(args[0]) is str:
            return _decimal(args[0], self.limits)
        if kind == "ndarray" and len(args) == 3:
            return _ndarray(*args, convert=self.convert, limits=self.limits)
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


def _decimal(text: str, limits: DecodeLimits) -> Decimal:
    if len(text) > limits.max_decimal_exponent + 64:
        raise _too_large(f"a decimal of {len(text)} characters")
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ProgramProtocolError("malformed decimal from the program") from None
    if value.is_finite() and (
        abs(value.adjusted()) > limits.max_decimal_exponent
        or abs(value.as_tuple().exponent) > limits.max_decimal_exponent  # type: ignore[arg-type]
    ):
        raise _too_large(f"a decimal with an exponent beyond +-{limits.max_decimal_exponent}")
    return value


def _numpy_dtype(dtype_str: Any) -> Any:
    try:
        import numpy as np
    except ImportError:  # pragma: no cover - numpy is a core dependency
        raise ProgramProtocolError("the program sent a numpy value but numpy is not installed here") from None
    if type(dtype_str) is not str or len(dtype_str) > 16:
        raise ProgramProtocolError("malformed numpy dtype from the program")
    try:
        dtype = np.dtype(dtype_str)
    except (TypeError, ValueError, OverflowError):
        raise ProgramProtocolError("malformed numpy dtype from the program") from None
    if dtype.kind not in _NUMPY_KINDS or dtype.fields is not None or dtype.subdtype is not None:
        raise ProgramProtocolError(f"numpy values of dtype {dtype_str!r} are not accepted from programs")
    return np, dtype


def _ndarray(dtype_str: Any, shape: Any, data: Any, convert: Callable[[Any], Any], limits: DecodeLimits) -> Any:
    np, dtype = _numpy_dtype(dtype_str)
    if type(shape) is not tuple or len(shape) > 32 or not all(type(n) is int and n >= 0 for n in shape):
        raise ProgramProtocolError("malformed numpy shape from the program")
    size = math.prod(shape)
    if size * max(1, dtype.itemsize) > limits.max_array_bytes:
        raise _too_large(f"a numpy array of {size} x {dtype.itemsize} bytes (at most {limits.max_array_bytes})")
    if not _has_shape(data, shape):
        raise ProgramProtocolError("malformed numpy array from the program (its data does not have its shape)")
    try:
        return np.array(convert(data), dtype=dtype).reshape(shape)
    except (ValueError, TypeError, OverflowError) as exc:
        raise ProgramProtocolError(f"malformed numpy array from the program: {exc}") from None


def _has_shape(data: Any, shape: tuple[int, ...]) -> bool:
    """Whether ``data`` is nested lists of exactly ``shape`` (what ``ndarray.tolist()`` gives)."""
    level = [data]
    for n in shape:
        if any(type(item) is not list or len(item) != n for item in level):
            return False
        level = [x for item in level for x in item]
    return all(type(x) is not list for x in level)


def _npscalar(dtype_str: Any, item: Any) -> Any:
    _np, dtype = _numpy_dtype(dtype_str)
    if type(item) not in (int, float, complex, bool, str, bytes):
        raise ProgramProtocolError("malformed numpy scalar from the program")
    try:
        return dtype.type(item)
    except (ValueError, TypeError, OverflowError) as exc:
        raise ProgramProtocolError(f"malformed numpy scalar from the program: {exc}") from None
