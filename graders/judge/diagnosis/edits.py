"""Small edits of a reference function's syntax tree, each a realistic one-step mistake.

An :class:`Edit` names one node of the function (its position in ``ast.walk`` order), how to
rewrite it, and what the change means in the reference's own names: the variable whose
computation changes, the line, and the words of the sentence a student reads. ``edits`` lists
every edit of one function; which of them are worth trying is decided by running them
(``graders.judge.diagnosis.search``).
"""

from __future__ import annotations

import ast
import copy
from collections.abc import Iterator
from dataclasses import dataclass

from graders.judge.diagnosis import names, operators
from graders.judge.diagnosis.base import EditSpec, Rewrite, Scope

__all__ = ["Edit", "Scope", "apply", "edits", "function_node", "nested"]


@dataclass(frozen=True)
class Edit:
    """One small change of the reference function, described in its own names."""

    operator: str
    """``activation``, ``reduction``, ``product``, ``drop-term``, ``drop-factor``, ``sign``,
    ``axis``, ``keepdims``, ``swap``, ``transpose``, ``name``, ``step`` or ``order``."""
    detail: str
    """What changed, short and stable (the mistake id's tail): ``ft:sigmoid->np.tanh``."""
    target: str
    """The variable whose computation changes (``ft``), or ``""`` for the returned value."""
    line: int
    """Line of the change, counted from the function's ``def`` (line 1)."""
    words: str
    """The change as a student reads it: "`ft` is what the reference computes with ..."."""
    index: int
    """Position of the rewritten node in ``ast.walk`` order of the function."""
    rewrite: Rewrite

    @property
    def meaning(self) -> tuple[str, str]:
        return (self.operator, self.detail)


def function_node(source: str, name: str) -> ast.FunctionDef | None:
    """The top-level ``def name`` of a module's source, or ``None``."""
    for node in ast.parse(source).body:
        if isinstance(node, ast.FunctionDef) and node.name == name:
            return node
    return None


Path = tuple[tuple[str, int | None], ...]
_paths: dict[int, tuple[ast.FunctionDef, list[Path], list[ast.AST]]] = {}


def _walked(fdef: ast.FunctionDef) -> tuple[list[Path], list[ast.AST]]:
    """Each node in ``ast.walk`` order, and where it sits (field and list index from the
    ``def``): computed once per function."""
    kept = _paths.get(id(fdef))
    if kept is not None and kept[0] is fdef:
        return kept[1], kept[2]
    where: dict[int, Path] = {id(fdef): ()}
    for node in ast.walk(fdef):
        for name, value in ast.iter_fields(node):
            if isinstance(value, ast.AST):
                where[id(value)] = (*where[id(node)], (name, None))
            elif isinstance(value, list):
                for i, item in enumerate(value):
                    if isinstance(item, ast.AST):
                        where[id(item)] = (*where[id(node)], (name, i))
    nodes = list(ast.walk(fdef))
    paths = [where[id(node)] for node in nodes]
    _paths[id(fdef)] = (fdef, paths, nodes)
    return paths, nodes


def _replaced(node: ast.AST, path: Path, new: ast.AST) -> ast.AST:
    """A copy of ``node`` with the node at ``path`` replaced; untouched subtrees are shared."""
    if not path:
        return new
    (name, i), rest = path[0], path[1:]
    out = copy.copy(node)
    child = getattr(node, name)
    if i is None:
        setattr(out, name, _replaced(child, rest, new))
    else:
        items = list(child)
        items[i] = _replaced(items[i], rest, new)
        setattr(out, name, items)
    return out


def apply(fdef: ast.FunctionDef, chosen: list[Edit]) -> ast.Module:
    """A module holding ``fdef`` with ``chosen`` applied (their nodes are disjoint); ``fdef``
    itself is left as it was."""
    paths, nodes = _walked(fdef)
    tree: ast.AST = fdef
    for edit in chosen:
        old = nodes[edit.index]
        assert isinstance(old, ast.expr)
        new = edit.rewrite(copy.deepcopy(old))
        ast.fix_missing_locations(ast.copy_location(new, old))
        tree = _replaced(tree, paths[edit.index], new)
    assert isinstance(tree, ast.FunctionDef)
    return ast.Module(body=[tree], type_ignores=[])


def nested(fdef: ast.FunctionDef, first: Edit, second: Edit) -> bool:
    """Whether one edit's node lies within (or is) the other's: they cannot both apply."""
    paths, _ = _walked(fdef)
    a, b = paths[first.index], paths[second.index]
    return a[: len(b)] == b or b[: len(a)] == a


# -- listing the edits ------------------------------------------------------------------------


def edits(fdef: ast.FunctionDef, scope: Scope, shown: str = "") -> list[Edit]:
    """Every single edit of the function, in a fixed order; ``shown`` is the function's name
    for the student (the graded function, when ``fdef`` is a helper it returns through)."""
    shown = shown or fdef.name
    found: list[Edit] = []
    statements = _statements(fdef)
    once: dict[str, list[ast.Assign]] = {}
    later: dict[str, int] = {}
    for each in ast.walk(fdef):
        if isinstance(each, ast.Assign) and len(each.targets) == 1:
            if isinstance(each.targets[0], ast.Name):
                once.setdefault(each.targets[0].id, []).append(each)
        elif isinstance(each, (ast.AugAssign, ast.For)) and isinstance(each.target, ast.Name):
            later[each.target.id] = 2  # assigned again: not a definition to inline
    top = {id(each) for each in fdef.body}
    scope.definitions.update(
        {
            n: (a[0].lineno, a[0].value)
            for n, a in once.items()
            if len(a) == 1 and id(a[0]) in top and n not in later
        }
    )
    for index, node in enumerate(ast.walk(fdef)):
        stmt = statements.get(id(node))
        if stmt is None or not isinstance(node, ast.expr):
            continue
        target, line = _target(stmt), stmt.lineno - fdef.lineno + 1
        for operator, detail, words, rewrite in _node_edits(node, stmt, target, scope, fdef):
            words = words.replace(
                "your value is what the reference returns",
                f"your {shown} returns what the reference computes",
            ).replace("your value", f"the value your {shown} returns")
            words = words.replace("your function", f"your {shown}")
            found.append(Edit(operator, detail, target, line, words, index, rewrite))
    return found


def _statements(fdef: ast.FunctionDef) -> dict[int, ast.stmt]:
    """Node id -> innermost simple statement holding it (assignments, returns, calls)."""
    out: dict[int, ast.stmt] = {}
    for stmt in ast.walk(fdef):
        if isinstance(stmt, (ast.Assign, ast.AugAssign, ast.Return, ast.Expr, ast.For)):
            parts: list[ast.AST] = []
            if isinstance(stmt, ast.For):
                parts = [stmt.iter]
            elif stmt.value is not None:
                parts = [stmt.value]
            if isinstance(stmt, (ast.Assign, ast.AugAssign)):
                targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
                # Subscripts of a target are read too: ``a[:, :, t] = a_next``.
                parts += [
                    s.slice for t in targets for s in ast.walk(t) if isinstance(s, ast.Subscript)
                ]
            for part in parts:
                for node in ast.walk(part):
                    out[id(node)] = stmt
    return out


def _target(stmt: ast.stmt) -> str:
    if isinstance(stmt, ast.Assign):
        node: ast.expr = stmt.targets[0]
        if isinstance(node, ast.Tuple) and isinstance(stmt.value, ast.Call):
            return f"{ast.unparse(stmt.value.func)}(...)"
    elif isinstance(stmt, ast.AugAssign):
        node = stmt.target
    elif isinstance(stmt, ast.For):
        return "the loop"
    else:
        return ""
    while isinstance(node, ast.Subscript):
        node = node.value
    return ast.unparse(node)


def _node_edits(
    node: ast.expr, stmt: ast.stmt, target: str, scope: Scope, fdef: ast.FunctionDef
) -> Iterator[EditSpec]:
    yield from operators.activation(node, target)
    yield from names.wrapped(node, stmt, target, scope)
    yield from operators.unreduced(node, target)
    yield from names.fresh(node, target, scope)
    yield from operators.reduction_and_axis(node, target)
    yield from operators.products(node, target)
    yield from operators.terms(node, target)
    yield from operators.sign(node, target)
    yield from operators.stack_order(node, target)
    yield from names.tuple_order(node, stmt, target, fdef)
    yield from names.substitution(node, stmt, target, scope)
