"""What every edit operator shares: the scope of names an edit may use, the stand-in
activations it may call, and the words its sentence is made of.

Words quote the reference's own names; "your value" and "your function" stand for the graded
function's returned value and name until ``graders.judge.diagnosis.edits`` fills them in.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from dataclasses import dataclass, field

Rewrite = Callable[[ast.expr], ast.expr]

HELPER = "_markwell_diagnosis_"
"""Prefix of the stand-in activations an edit may call (``search`` puts them in scope)."""

ACTIVATIONS = {
    "sigmoid": "sigmoid",
    "np.tanh": "tanh",
    "tanh": "tanh",
    "np.exp": "exp",
    "relu": "relu",
}
"""Call (as written) -> what it computes, for the calls an activation edit replaces."""
SIBLINGS = ("sigmoid", "tanh", "relu", "identity", "exp", "2 * sigmoid(x) - 1")
SIBLING_HELPER = {
    "sigmoid": "sigmoid",
    "tanh": "tanh",
    "relu": "relu",
    "identity": "identity",
    "exp": "exp",
    "2 * sigmoid(x) - 1": "tanh_from_sigmoid",
}
STACKS = {"np.concatenate", "np.vstack", "np.hstack", "np.stack", "np.column_stack"}
REDUCTIONS = {"sum": "mean", "mean": "sum"}
AXES: tuple[int | None, ...] = (0, 1, -1, None)


@dataclass(frozen=True)
class Scope:
    """What substitutions may use: names of the function and their values' kinds."""

    kinds: dict[str, str]
    """Local name (arguments and assigned names) -> kind of its value on one case
    (``ndarray(3, 4)``, ``int``), from running the reference once."""
    paths: dict[str, str]
    """Attribute paths and subscripts of the inputs and locals (``p.W_f.v``, ``v[key]``) ->
    kind of their value."""
    definitions: dict[str, tuple[int, ast.expr]] = field(default_factory=dict)
    """Names assigned once in the function's body -> the line and the value: a name defined
    after the line that would use it is used through its value."""


def quote(node: ast.AST | str) -> str:
    text = node if isinstance(node, str) else ast.unparse(node)
    return f"`{text}`"


def computes(target: str) -> str:
    if target:
        return f"{quote(target)} is what the reference computes"
    return "your value is what the reference returns"


def who(target: str) -> str:
    return quote(target) if target else "your value"


def call_helper(name: str, *args: ast.expr) -> ast.expr:
    return ast.Call(func=ast.Name(id=HELPER + name, ctx=ast.Load()), args=list(args), keywords=[])


EditSpec = tuple[str, str, str, Rewrite]
