"""Try edits of a reference function until one reproduces the student's output on every case.

Each edited function is compiled once and run on the check's cases, the most telling first: an
edit that misses on one case is dropped there. Single edits come first; pairs only of the
single edits that came closest, and only within the budget. The budget (CPU seconds and
function runs) is a hard cap: when it runs out the search stops and says so, and a search that
did not finish names nothing (an unchecked edit might have matched as well).
"""

from __future__ import annotations

import ast
import sys
import time
import types
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any

import numpy as np

from graders.judge.copies import plain_copy
from graders.judge.diagnosis.base import HELPER, Scope
from graders.judge.diagnosis.edits import Edit, apply, edits, nested

Runner = Callable[[types.ModuleType, tuple[Any, ...]], Any]
"""How the check computes its output with a namespace: ``runner(namespace, args)``."""
Closeness = Callable[[Any, Any], tuple[float, float]]
"""Fraction of the check's outputs on which a value agrees with the student's (1.0: all), and
how far apart the other outputs are."""


@dataclass(frozen=True)
class Budget:
    """The hard cap of one function's search."""

    seconds: float = 0.6
    """CPU seconds (``time.process_time``)."""
    runs: int = 3000
    """Runs of an edited function (one case each)."""
    pairs_of: int = 16
    """Pairs are tried among this many of the closest single edits."""


@dataclass
class Searched:
    """What the search found: every matching edit (or pair), and whether it finished."""

    matched: list[tuple[Edit, ...]] = field(default_factory=list)
    complete: bool = True
    runs: int = 0
    seconds: float = 0.0


def _sigmoid(x: Any) -> Any:
    return 1 / (1 + np.exp(-x))


STAND_INS: dict[str, Callable[[Any], Any]] = {
    HELPER + "sigmoid": _sigmoid,
    HELPER + "tanh": np.tanh,
    HELPER + "relu": lambda x: np.maximum(x, 0),
    HELPER + "identity": lambda x: x,
    HELPER + "exp": np.exp,
    HELPER + "tanh_from_sigmoid": lambda x: 2 * _sigmoid(x) - 1,
}


def namespace(
    module: types.ModuleType, tree: ast.Module, also: tuple[ast.FunctionDef, ...] = ()
) -> types.ModuleType:
    """A copy of ``module`` in which ``tree`` (one edited function) is defined, and ``also``
    (the unedited functions that call it) so that they call the edited one."""
    ns = types.ModuleType(module.__name__)
    ns.__dict__.update(module.__dict__)
    ns.__dict__.update(STAND_INS)
    body = [*also, *tree.body]
    compiled = compile(
        ast.Module(body=body, type_ignores=[]), f"<diagnosis of {module.__name__}>", "exec"
    )
    exec(compiled, ns.__dict__)
    return ns


def _kind(value: Any) -> str | None:
    if isinstance(value, np.ndarray):
        return f"ndarray{value.shape}{value.dtype.kind}"
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float, np.integer, np.floating)):
        return type(value).__name__
    if isinstance(value, (dict, list, tuple)):
        return type(value).__name__
    return None


def scope(
    fdef: ast.FunctionDef,
    module: types.ModuleType,
    runner: Runner,
    args: tuple[Any, ...],
    also: tuple[ast.FunctionDef, ...] = (),
) -> Scope:
    """The function's names and attribute paths with the kind of their values, from one run of
    the unedited function on ``args``."""
    ns = namespace(module, apply(fdef, []), also)
    code = ns.__dict__[fdef.name].__code__
    seen: dict[str, Any] = {}

    def local(frame: types.FrameType, event: str, arg: Any) -> Any:
        if event == "return":
            seen.update(frame.f_locals)
        return local

    def tracer(frame: types.FrameType, event: str, arg: Any) -> Any:
        return local if frame.f_code is code else None

    before = sys.gettrace()
    sys.settrace(tracer)
    try:
        _run(runner, ns, args)
    finally:
        sys.settrace(before)
    kinds = {n: k for n, v in seen.items() if (k := _kind(v)) is not None}
    held = {id(v) for n, v in seen.items() if n in kinds}
    paths: dict[str, str] = {}
    for node in ast.walk(fdef):
        if isinstance(node, (ast.Attribute, ast.Subscript)) and isinstance(node.ctx, ast.Load):
            root: ast.expr = node
            while isinstance(root, (ast.Attribute, ast.Subscript)):
                if isinstance(root, ast.Subscript) and not isinstance(
                    root.slice, (ast.Name, ast.Constant)
                ):
                    break
                root = root.value
            if isinstance(root, ast.Name) and root.id in seen and root.id != "np":
                text = ast.unparse(node)
                try:
                    value = eval(text, {}, dict(seen))  # attribute reads of the inputs only
                except Exception:
                    continue
                kind = _kind(value)
                # A path a local already holds (``Wf = parameters["Wf"]``) is that local, and
                # ``W.T`` is the transpose edit's business.
                if kind is not None and not text.endswith(".T") and id(value) not in held:
                    paths[text] = kind
    return Scope(kinds, paths)


_FAILED = object()


def _run(runner: Runner, ns: types.ModuleType, args: tuple[Any, ...]) -> Any:
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        try:
            return runner(ns, plain_copy(args))
        except Exception:
            return _FAILED


def _closeness(closeness: Closeness, value: Any, got: Any) -> tuple[float, float]:
    try:
        return closeness(value, got)
    except Exception:  # a malformed value agrees nowhere
        return (0.0, 1.0)


def search(
    fdef: ast.FunctionDef,
    module: types.ModuleType,
    runner: Runner,
    cases: Sequence[tuple[tuple[Any, ...], Any]],
    closeness: Closeness,
    budget: Budget | None = None,
    also: tuple[ast.FunctionDef, ...] = (),
    shown: str = "",
) -> Searched:
    """Every single edit (then pair) of ``fdef`` whose output agrees with the student's
    (``cases``: arguments and what the student returned) on every case."""
    budget = budget or Budget()
    start = time.process_time()
    out = Searched()

    def spent() -> bool:
        out.seconds = time.process_time() - start
        return out.seconds > budget.seconds or out.runs >= budget.runs

    if not cases:
        return out
    try:
        found = edits(fdef, scope(fdef, module, runner, cases[0][0], also), shown)
    except Exception:
        out.complete = False
        return out

    def trial(chosen: list[Edit]) -> tuple[bool, tuple[float, float]]:
        """Whether it agrees on every case, and how close it comes on the first one."""
        try:
            ns = namespace(module, apply(fdef, chosen), also)
        except Exception:
            return False, (0.0, 1.0)
        first = (0.0, 1.0)
        for k, (args, got) in enumerate(cases):
            out.runs += 1
            value = _run(runner, ns, args)
            near = (0.0, 1.0) if value is _FAILED else _closeness(closeness, value, got)
            if k == 0:
                first = near
            if near[0] < 1.0:
                return False, first
        return True, first

    base = trial([])[1]
    near: list[tuple[float, float, int, Edit]] = []
    for n, edit in enumerate(found):
        if spent():
            out.complete = False
            return out
        every, (agreed, apart) = trial([edit])
        if every:
            out.matched.append((edit,))
        elif agreed > base[0] or (agreed == base[0] and apart < 0.9 * base[1]):
            near.append((-agreed, apart, n, edit))
    if out.matched:
        return out
    near.sort(key=lambda x: x[:3])
    closest = [edit for *_, edit in near[: budget.pairs_of]]
    for first, second in combinations(closest, 2):
        if spent():
            out.complete = False
            return out
        if nested(fdef, first, second):
            continue
        if trial([first, second])[0]:
            out.matched.append((first, second))
    spent()
    return out
