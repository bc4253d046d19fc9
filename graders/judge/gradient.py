"""Centred finite differences: is a student's gradient the gradient of a forward function?

A backward function returns a dict of gradients. For one case, its check's ``gradient``
function in ``checks.py`` describes the forward it differentiates as a :class:`Probe`. Along a
random direction ``u`` of the input behind each key, the directional derivative of the loss,

    (loss(forward(x + h u)) - loss(forward(x - h u))) / 2h,

must equal ``sum(gradient[key] * u)``. Taken on the reference forward, this tells a gradient
that is wrong from one that follows another accepted formula; taken on the student's own
forward, it tells a backward that is consistent with a forward that is itself wrong ("fix the
forward first") from one whose formula is wrong.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from graders.judge.compare import Tolerance, matches
from graders.judge.copies import plain_copy

STEP = 1e-5
"""``h``: in float64 the centred difference's truncation error (h**2) and rounding error
(1e-16 / h) are both far below the agreement tolerance below."""
RTOL = 1e-5
ATOL = 1e-7


@dataclass(frozen=True)
class Probe:
    """How a backward's output relates to its forward, for one case."""

    forward: str
    """The forward function's name, in ``reference.py`` and in the student's notebook."""
    inputs: tuple[Any, ...]
    """The forward's arguments."""
    loss: Callable[[Any], float]
    """The scalar, computed from the forward's return value, whose gradient the backward
    returns: ``lambda out: np.sum(da_next * out[0])`` for an upstream gradient ``da_next``."""
    wrt: Mapping[str, tuple[int | str, ...]] = field(default_factory=dict)
    """Gradient key -> path of the input it differentiates: an argument index, then keys
    (``{"dxt": (0,), "dWax": (2, "Wax")}``)."""


def direction(seed: int, key: str, shape: tuple[int, ...]) -> np.ndarray:
    """The random direction for ``key`` on the case drawn from ``seed``: the same every time."""
    rng = np.random.default_rng([seed, zlib.crc32(key.encode())])
    return rng.standard_normal(shape)


def target(inputs: tuple[Any, ...], path: tuple[int | str, ...]) -> Any:
    """The input a gradient key differentiates."""
    value: Any = inputs
    for step in path:
        value = value[step]
    return value


def shifted(
    inputs: tuple[Any, ...], path: tuple[int | str, ...], delta: np.ndarray
) -> tuple[Any, ...]:
    """A deep copy of ``inputs`` with ``delta`` added to the input at ``path``."""
    out = list(plain_copy(inputs))
    holder: Any = out
    for step in path[:-1]:
        holder = holder[step]
    holder[path[-1]] = np.asarray(holder[path[-1]], dtype=float) + delta
    return tuple(out)


def shifts(probe: Probe, key: str, seed: int) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
    """The forward's inputs shifted up and down ``key``'s direction, for :func:`numeric`."""
    path = probe.wrt[key]
    base = np.asarray(target(probe.inputs, path), dtype=float)
    u = direction(seed, key, base.shape)
    return shifted(probe.inputs, path, STEP * u), shifted(probe.inputs, path, -STEP * u)


def numeric(
    evaluate: Callable[[tuple[Any, ...]], Any], probe: Probe, key: str, seed: int
) -> float | None:
    """The loss's centred-difference derivative along ``key``'s direction; ``None`` if the
    forward fails or gives no finite loss (``evaluate`` runs the forward on shifted inputs)."""
    up_inputs, down_inputs = shifts(probe, key, seed)
    try:
        up = float(probe.loss(evaluate(up_inputs)))
        down = float(probe.loss(evaluate(down_inputs)))
    except Exception:  # a student's forward: any failure just means "no verdict"
        return None
    value = (up - down) / (2 * STEP)
    return value if np.isfinite(value) else None


def analytic(gradients: Any, probe: Probe, key: str, seed: int) -> float | None:
    """``sum(gradients[key] * u)``; ``None`` when the key is absent or of the wrong shape."""
    base = np.asarray(target(probe.inputs, probe.wrt[key]), dtype=float)
    if not isinstance(gradients, dict) or key not in gradients:
        return None
    got = gradients[key]
    if not isinstance(got, np.ndarray) or got.shape != base.shape or got.dtype.kind not in "fiu":
        return None
    value = float(np.sum(got * direction(seed, key, base.shape)))
    return value if np.isfinite(value) else None


def agree(a: float | None, b: float | None) -> bool:
    """Whether two directional derivatives are the same number, up to the differences' error."""
    if a is None or b is None:
        return False
    return abs(a - b) <= ATOL + RTOL * max(abs(a), abs(b))


@dataclass(frozen=True)
class Descent:
    """An update step (an optimizer) and the loss its gradients come from, for one case."""

    loss: Callable[[Any], float]
    """The loss of the parameters, whose gradient at ``before`` is the gradient the
    optimizer was given."""
    before: Any
    """The parameters before the step (a dict of arrays)."""
    output: str = "parameters"
    """The output of the optimizer that holds the parameters after the step."""


def slope(loss: Callable[[Any], float], before: Any, after: Any) -> float | None:
    """How fast ``loss`` changes along the step ``after - before``: a centred difference,
    ``(loss(before + step) - loss(before - step)) / 2``, the step's first-order effect.

    ``None`` when ``after`` is not the same dict of arrays as ``before``.
    """
    if not isinstance(after, dict) or set(after) != set(before):
        return None
    step = {}
    for key, value in before.items():
        got = after[key]
        if not isinstance(got, np.ndarray) or got.shape != np.shape(value):
            return None
        step[key] = got - value
    try:
        up = float(loss({k: before[k] + step[k] for k in before}))
        down = float(loss({k: before[k] - step[k] for k in before}))
    except Exception:
        return None
    value = (up - down) / 2
    return value if np.isfinite(value) else None


def wrong_keys(probe: Probe, candidates: list[Any], got: Any, tol: Tolerance) -> list[str]:
    """The gradient keys of ``got`` that match no candidate output (reference or accepted)."""
    return [k for k in probe.wrt if not any(_key_matches(e, got, k, tol) for e in candidates)]


def _key_matches(expected: Any, got: Any, key: str, tol: Tolerance) -> bool:
    if not isinstance(expected, dict) or not isinstance(got, dict) or key not in got:
        return False
    return key in expected and matches(expected[key], got[key], tol)
