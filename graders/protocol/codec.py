"""Plain-data codec shared by the grader and the sandboxed kernel.

A value becomes a JSON *skeleton* plus a list of raw byte *buffers* (one per array). Only
plain data survives: exact ``numpy.ndarray`` (numeric, bool, string and datetime dtypes),
exact NumPy scalars, ``int``/``float``/``complex``/``bool``/``str``/``bytes``/``None``, and
tuples, lists and dicts (``str``/``int`` keys) of those. Anything else (object arrays, ndarray
subclasses, objects with their own ``__eq__``, subclasses of ``float``...) is encoded as an
``Opaque`` record naming its type, which never compares equal to anything.

This file is copied into the sandbox as is, so it imports nothing but the standard library and
NumPy. Decoding is the trusted side: it checks every dtype, shape and buffer length before it
builds an array and never unpickles.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

MAX_DEPTH = 64
MAX_NODES = 200_000
_ARRAY_KINDS = frozenset("biufcmMSU")
_SCALARS = (bool, int, float, complex, str, bytes)


class DecodeError(ValueError):
    """The skeleton or buffers are not a well-formed encoding of plain data."""


@dataclass(frozen=True, eq=False)
class Opaque:
    """A value that is not plain data; it never equals anything, itself included."""

    type_name: str
    why: str
    preview: str = ""

    def __eq__(self, other: object) -> bool:
        return False

    def __hash__(self) -> int:
        return id(self)

    def __repr__(self) -> str:
        return f"<{self.type_name}: {self.why}>"


def _type_name(value: object) -> str:
    t = type(value)
    return f"{t.__module__}.{t.__qualname__}" if t.__module__ != "builtins" else t.__qualname__


def _preview(value: object) -> str:
    try:
        text = repr(value)
    except Exception as exc:  # the student's __repr__ may raise anything
        text = f"<repr raised {type(exc).__name__}>"
    return text[:200]


def _array_problem(dtype: np.dtype) -> str | None:
    if dtype.fields is not None or dtype.subdtype is not None:
        return "structured arrays are not plain data"
    if dtype.kind == "O":
        return "object arrays are not plain data"
    if dtype.kind not in _ARRAY_KINDS:
        return f"arrays of dtype {dtype} are not plain data"
    return None


def encode(value: Any) -> tuple[dict[str, Any], list[bytes]]:
    """Turn ``value`` into ``(skeleton, buffers)``; never raises for odd values."""
    buffers: list[bytes] = []
    seen: set[int] = set()

    def enc(v: Any, depth: int) -> dict[str, Any]:
        if depth > MAX_DEPTH:
            return _opaque(v, "nested too deeply")
        t = type(v)
        if v is None:
            return {"t": "none"}
        if t is np.ndarray:
            problem = _array_problem(v.dtype)
            if problem:
                return _opaque(v, problem)
            buffers.append(np.ascontiguousarray(v).tobytes())
            return {"t": "nd", "i": len(buffers) - 1, "dtype": v.dtype.str, "shape": list(v.shape)}
        if isinstance(v, np.ndarray):
            return _opaque(v, f"{_type_name(v)} is a subclass of numpy.ndarray, not a plain array")
        if isinstance(v, np.generic):
            if t is not v.dtype.type or _array_problem(v.dtype):
                return _opaque(v, "not a plain NumPy scalar")
            buffers.append(np.asarray(v).tobytes())
            return {"t": "sc", "i": len(buffers) - 1, "dtype": v.dtype.str}
        if t in _SCALARS:
            if t is bytes:
                buffers.append(v)
                return {"t": "bytes", "i": len(buffers) - 1}
            if t is float:
                return {"t": "float", "v": repr(v)}
            if t is complex:
                return {"t": "complex", "v": [repr(v.real), repr(v.imag)]}
            return {"t": t.__name__, "v": v}
        if t in (tuple, list, dict):
            if id(v) in seen:
                return _opaque(v, "a container that contains itself")
            seen.add(id(v))
            try:
                if t is dict:
                    keys = list(v.keys())
                    if not all(type(k) in (str, int) for k in keys):
                        return _opaque(v, "dict keys must be str or int")
                    return {"t": "dict", "k": keys, "v": [enc(v[k], depth + 1) for k in keys]}
                return {"t": t.__name__, "v": [enc(x, depth + 1) for x in v]}
            finally:
                seen.discard(id(v))
        if isinstance(v, (tuple, list, dict, *_SCALARS)):
            return _opaque(v, f"{_type_name(v)} is a subclass of {t.__mro__[1].__name__}")
        return _opaque(v, f"{_type_name(v)} is not plain data")

    return enc(value, 0), buffers


def _opaque(value: object, why: str) -> dict[str, Any]:
    return {"t": "opaque", "type": _type_name(value), "why": why, "preview": _preview(value)}


def decode(skeleton: Any, buffers: list[bytes]) -> Any:
    """Rebuild a value from an untrusted skeleton and buffers; raise DecodeError if malformed."""
    count = 0

    def dec(node: Any, depth: int) -> Any:
        nonlocal count
        count += 1
        if count > MAX_NODES:
            raise DecodeError(f"more than {MAX_NODES} values")
        if depth > MAX_DEPTH or not isinstance(node, dict):
            raise DecodeError("malformed skeleton")
        kind = node.get("t")
        if kind == "none":
            return None
        if kind in ("nd", "sc"):
            dtype = _checked_dtype(node.get("dtype"))
            shape = node.get("shape", []) if kind == "nd" else []
            if not isinstance(shape, list) or not all(type(n) is int and n >= 0 for n in shape):
                raise DecodeError("malformed shape")
            buf = _buffer(buffers, node.get("i"))
            expected = math.prod(shape) * dtype.itemsize  # Python ints: no overflow
            if expected != len(buf):
                raise DecodeError(f"array of shape {tuple(shape)} {dtype} needs {expected} bytes")
            arr = np.frombuffer(buf, dtype=dtype).reshape(shape).copy()
            return arr if kind == "nd" else arr[()]
        if kind == "bytes":
            return bytes(_buffer(buffers, node.get("i")))
        if kind in ("bool", "int", "str"):
            v = node.get("v")
            if type(v) is not {"bool": bool, "int": int, "str": str}[kind]:
                raise DecodeError(f"malformed {kind}")
            return v
        if kind == "float":
            return _float(node.get("v"))
        if kind == "complex":
            parts = node.get("v")
            if not isinstance(parts, list) or len(parts) != 2:
                raise DecodeError("malformed complex")
            return complex(_float(parts[0]), _float(parts[1]))
        if kind in ("tuple", "list"):
            items = node.get("v")
            if not isinstance(items, list):
                raise DecodeError(f"malformed {kind}")
            out = [dec(x, depth + 1) for x in items]
            return tuple(out) if kind == "tuple" else out
        if kind == "dict":
            keys, items = node.get("k"), node.get("v")
            if (
                not isinstance(keys, list)
                or not isinstance(items, list)
                or len(keys) != len(items)
                or not all(type(k) in (str, int) for k in keys)
            ):
                raise DecodeError("malformed dict")
            return {k: dec(x, depth + 1) for k, x in zip(keys, items, strict=True)}
        if kind == "opaque":
            return Opaque(
                type_name=str(node.get("type", "?"))[:200],
                why=str(node.get("why", ""))[:500],
                preview=str(node.get("preview", ""))[:200],
            )
        raise DecodeError(f"unknown node type {kind!r}")

    return dec(skeleton, 0)


def _checked_dtype(spec: Any) -> np.dtype:
    if not isinstance(spec, str) or len(spec) > 32:
        raise DecodeError("malformed dtype")
    try:
        dtype = np.dtype(spec)
    except TypeError as exc:
        raise DecodeError(f"unknown dtype {spec!r}") from exc
    problem = _array_problem(dtype)
    if problem:
        raise DecodeError(problem)
    return dtype


def _buffer(buffers: list[bytes], index: Any) -> bytes:
    if type(index) is not int or not 0 <= index < len(buffers):
        raise DecodeError("missing buffer")
    return buffers[index]


def _float(text: Any) -> float:
    if not isinstance(text, str) or len(text) > 40:
        raise DecodeError("malformed float")
    try:
        return float(text)
    except ValueError as exc:
        raise DecodeError("malformed float") from exc


def dumps_skeleton(skeleton: dict[str, Any]) -> str:
    """Serialise a skeleton to JSON text."""
    return json.dumps(skeleton, separators=(",", ":"))
