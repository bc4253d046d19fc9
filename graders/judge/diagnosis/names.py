"""Edit operators on names: another variable of the same kind in place of one, a time
index off by one, a name passed through an activation, zeros replaced by an input, two
entries of a returned tuple or a cache swapped."""

from __future__ import annotations

import ast
import copy
from collections.abc import Iterator

from graders.judge.diagnosis.base import EditSpec, Scope, call_helper, computes, quote, who


def tuple_order(
    node: ast.expr, stmt: ast.stmt, target: str, fdef: ast.FunctionDef
) -> Iterator[EditSpec]:
    """Two entries of a returned or stored tuple (a cache) swapped."""
    if not isinstance(node, ast.Tuple) or getattr(stmt, "value", None) is not node:
        return
    for i in range(len(node.elts)):
        for j in range(i + 1, len(node.elts)):
            a, b = ast.unparse(node.elts[i]), ast.unparse(node.elts[j])

            def swap(n: ast.expr, i: int = i, j: int = j) -> ast.expr:
                assert isinstance(n, ast.Tuple)
                n.elts[i], n.elts[j] = n.elts[j], n.elts[i]
                return n

            holder = f"your {target}" if target else "your function returns"
            verb = " holds" if target else ""
            words = f"{holder}{verb} {quote(a)} and {quote(b)} in swapped places"
            yield "order", f"{target or 'return'}:{a}<->{b}", words, swap


def substitution(node: ast.expr, stmt: ast.stmt, target: str, scope: Scope) -> Iterator[EditSpec]:
    """Another name or input path of the same kind in place of one, or a time index off by one."""
    if not isinstance(node, (ast.Name, ast.Attribute, ast.Subscript)):
        return
    if not isinstance(node.ctx, ast.Load):
        return
    if (
        isinstance(stmt, ast.Assign)
        and stmt.value is node
        and all(isinstance(t, ast.Name) for t in stmt.targets)
    ):
        return  # ``Wo = parameters["Wo"]`` only names a value: its uses are edited instead
    text = ast.unparse(node)
    kind = scope.kinds.get(text) if isinstance(node, ast.Name) else scope.paths.get(text)
    if kind is None:
        return
    pool = {**scope.kinds, **scope.paths}
    for other, other_kind in pool.items():
        if other == text or other_kind != kind or other.startswith((f"{text}.", f"{text}[")):
            continue
        later = scope.definitions.get(other)
        value = later[1] if later is not None and later[0] >= stmt.lineno else None

        def rename(n: ast.expr, other: str = other, value: ast.expr | None = value) -> ast.expr:
            if value is not None:  # defined further down: its value, computed here
                return copy.deepcopy(value)
            return ast.parse(other, mode="eval").body

        words = f"{who(target)} uses {quote(other)} where the reference uses {quote(text)}"
        yield "name", f"{target}:{text}->{other}", words, rename
    if kind == "int" and isinstance(node, ast.Name):
        for step, op in ((-1, ast.Sub()), (1, ast.Add())):
            shown = f"{text} {'-' if step < 0 else '+'} 1"

            def shift(n: ast.expr, op: ast.operator = op) -> ast.expr:
                return ast.BinOp(left=n, op=op, right=ast.Constant(value=1))

            words = f"{who(target)} uses `{shown}` where the reference uses {quote(text)}"
            yield "step", f"{target}:{text}->{shown.replace(' ', '')}", words, shift


def wrapped(node: ast.expr, stmt: ast.stmt, target: str, scope: Scope) -> Iterator[EditSpec]:
    """A name of the statement passed through an activation everywhere it is read there:
    ``1 - tanh(a_next)**2`` where ``a_next`` already holds a tanh."""
    if getattr(stmt, "value", None) is not node:
        return
    read = sorted(
        {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
    )
    for name in read:
        if not scope.kinds.get(name, "").startswith("ndarray"):
            continue
        for helper, shown in (("tanh", "tanh"), ("sigmoid", "sigmoid")):

            def wrap(n: ast.expr, name: str = name, helper: str = helper) -> ast.expr:
                class Wrap(ast.NodeTransformer):
                    def visit_Name(self, x: ast.Name) -> ast.expr:
                        if x.id == name and isinstance(x.ctx, ast.Load):
                            return call_helper(helper, x)
                        return x

                out: ast.expr = Wrap().visit(n)
                return out

            words = f"{computes(target)} with `{shown}({name})` in place of {quote(name)}"
            yield "wrap", f"{target}:{name}->{shown}({name})", words, wrap


def fresh(node: ast.expr, target: str, scope: Scope) -> Iterator[EditSpec]:
    """An array started from an input in place of zeros: ``c_next = a0``."""
    if not isinstance(node, ast.Call) or ast.unparse(node.func) not in (
        "np.zeros",
        "np.zeros_like",
        "np.ones",
    ):
        return
    for name, kind in scope.kinds.items():
        if kind.startswith("ndarray") and name != target:

            def start(n: ast.expr, name: str = name) -> ast.expr:
                return ast.Name(id=name, ctx=ast.Load())

            words = (
                f"{who(target)} starts from {quote(name)} where the reference uses {quote(node)}"
            )
            yield "name", f"{target}:{ast.unparse(node)}->{name}", words, start
