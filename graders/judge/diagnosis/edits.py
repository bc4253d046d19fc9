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
from collections.abc import Callable, Iterator
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


def _q(node: ast.AST | str) -> str:
    text = node if isinstance(node, str) else ast.unparse(node)
    return f"`{text}`"


def _computes(target: str) -> str:
    if target:
        return f"{_q(target)} is what the reference computes"
    return "your value is what the reference returns"


def _who(target: str) -> str:
    return _q(target) if target else "your value"


def _call(name: str, *args: ast.expr) -> ast.expr:
    return ast.Call(func=ast.Name(id=HELPER + name, ctx=ast.Load()), args=list(args), keywords=[])


EditSpec = tuple[str, str, str, Rewrite]


def _node_edits(
    node: ast.expr, stmt: ast.stmt, target: str, scope: Scope, fdef: ast.FunctionDef
) -> Iterator[EditSpec]:
    yield from _activation(node, target)
    yield from _wrapped(node, stmt, target, scope)
    yield from _unreduced(node, target)
    yield from _fresh(node, target, scope)
    yield from _reduction_and_axis(node, target)
    yield from _products(node, target)
    yield from _terms(node, target)
    yield from _sign(node, target)
    yield from _stack_order(node, target)
    yield from _tuple_order(node, stmt, target, fdef)
    yield from _substitution(node, stmt, target, scope)


def _activation(node: ast.expr, target: str) -> Iterator[EditSpec]:
    if not isinstance(node, ast.Call) or len(node.args) != 1 or node.keywords:
        return
    written = ast.unparse(node.func)
    meaning = ACTIVATIONS.get(written)
    if meaning is None:
        return
    for sibling in SIBLINGS:
        if sibling == meaning:
            continue
        helper = SIBLING_HELPER[sibling]

        def rewrite(n: ast.expr, helper: str = helper) -> ast.expr:
            assert isinstance(n, ast.Call)
            return _call(helper, n.args[0])

        if sibling == "identity":
            words = f"{_computes(target)} without applying {_q(written)}"
        else:
            words = f"{_computes(target)} with {_q(sibling)} in place of {_q(written)}"
        yield "activation", f"{target}:{written}->{sibling}", words, rewrite


def _reduction_and_axis(node: ast.expr, target: str) -> Iterator[EditSpec]:
    if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
        return
    attr = node.func.attr
    written = ast.unparse(node.func)
    if attr in REDUCTIONS:
        other = REDUCTIONS[attr]

        def rewrite(n: ast.expr, other: str = other) -> ast.expr:
            assert isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)
            n.func.attr = other
            return n

        new = written[: -len(attr)] + other
        words = f"{_computes(target)} with {_q(new)} in place of {_q(written)}"
        yield "reduction", f"{target}:{written}->{new}", words, rewrite
    axis = next((k for k in node.keywords if k.arg == "axis"), None)
    if axis is not None and isinstance(axis.value, (ast.Constant, ast.UnaryOp)):
        now = ast.unparse(axis.value)
        for choice in AXES:
            if str(choice) == now:
                continue

            def set_axis(n: ast.expr, choice: int | None = choice) -> ast.expr:
                assert isinstance(n, ast.Call)
                for k in n.keywords:
                    if k.arg == "axis":
                        k.value = ast.Constant(value=choice)
                return n

            words = (
                f"{_computes(target)} with `axis={choice}` in place of `axis={now}` "
                f"in {_q(written)}"
            )
            yield "axis", f"{target}:{written}:axis={now}->{choice}", words, set_axis
            if choice is not None and not any(k.arg == "keepdims" for k in node.keywords):

                def keeping(n: ast.expr, set_axis: Rewrite = set_axis) -> ast.expr:
                    n = set_axis(n)
                    assert isinstance(n, ast.Call)
                    n.keywords.append(ast.keyword(arg="keepdims", value=ast.Constant(value=True)))
                    return n

                detail = f"{target}:{written}:axis={now}->{choice}+keepdims"
                yield "axis", detail, words, keeping
    if attr in REDUCTIONS or attr in ("max", "min"):
        keep = next((k for k in node.keywords if k.arg == "keepdims"), None)

        def toggle(n: ast.expr) -> ast.expr:
            assert isinstance(n, ast.Call)
            if any(k.arg == "keepdims" for k in n.keywords):
                n.keywords = [k for k in n.keywords if k.arg != "keepdims"]
            else:
                n.keywords.append(ast.keyword(arg="keepdims", value=ast.Constant(value=True)))
            return n

        if keep is None:
            words = f"{_computes(target)} with `keepdims=True` in {_q(written)}"
        else:
            words = f"{_computes(target)} without `keepdims=True` in {_q(written)}"
        yield "keepdims", f"{target}:{written}:keepdims", words, toggle


def _operands(node: ast.expr) -> tuple[ast.expr, ast.expr, str] | None:
    """The two operands of a matrix product (``a @ b``, ``a.dot(b)``, ``np.dot(a, b)``)."""
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.MatMult):
        return node.left, node.right, "@"
    if (
        isinstance(node, ast.Call)
        and len(node.args) == 1
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "dot"
        and ast.unparse(node.func.value) != "np"
    ):
        return node.func.value, node.args[0], "dot"
    if (
        isinstance(node, ast.Call)
        and len(node.args) == 2
        and ast.unparse(node.func) in ("np.dot", "np.matmul")
    ):
        return node.args[0], node.args[1], "np"
    return None


def _transposed(n: ast.expr) -> ast.expr:
    if isinstance(n, ast.Attribute) and n.attr == "T":
        return n.value
    return ast.Attribute(value=n, attr="T", ctx=ast.Load())


def _products(node: ast.expr, target: str) -> Iterator[EditSpec]:
    pair = _operands(node)
    if pair is not None:
        left, right, _ = pair
        a, b = ast.unparse(left), ast.unparse(right)

        def elementwise(n: ast.expr) -> ast.expr:
            got = _operands(n)
            assert got is not None
            return ast.BinOp(left=got[0], op=ast.Mult(), right=got[1])

        def swapped(n: ast.expr) -> ast.expr:
            got = _operands(n)
            assert got is not None
            return ast.BinOp(left=got[1], op=ast.MatMult(), right=got[0])

        words = (
            f"{_computes(target)} with an elementwise `{a} * {b}` in place of the matrix "
            f"product of {_q(a)} and {_q(b)}"
        )
        yield "product", f"{target}:{a}*{b}", words, elementwise
        words = f"{_computes(target)} multiplying {_q(b)} by {_q(a)} in place of {_q(a)} by {_q(b)}"
        yield "swap", f"{target}:{a}<->{b}", words, swapped
        for side in (0, 1):
            old = (left, right)[side]
            new = ast.unparse(_transposed(copy.deepcopy(old)))

            def transpose(n: ast.expr, side: int = side) -> ast.expr:
                got = _operands(n)
                assert got is not None
                ops = [got[0], got[1]]
                ops[side] = _transposed(ops[side])
                return ast.BinOp(left=ops[0], op=ast.MatMult(), right=ops[1])

            words = f"{_who(target)} uses {_q(new)} where the reference uses {_q(old)}"
            yield "transpose", f"{target}:{ast.unparse(old)}->{new}", words, transpose
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult):
        a, b = ast.unparse(node.left), ast.unparse(node.right)

        def matrix(n: ast.expr) -> ast.expr:
            assert isinstance(n, ast.BinOp)
            return ast.BinOp(left=n.left, op=ast.MatMult(), right=n.right)

        words = (
            f"{_computes(target)} with the matrix product `{a} @ {b}` in place of the "
            f"elementwise `{a} * {b}`"
        )
        yield "product", f"{target}:{a}@{b}", words, matrix


def _chain(node: ast.expr, ops: tuple[type[ast.operator], ...]) -> list[tuple[bool, ast.expr]]:
    """``a + b - c`` as [(True, a), (True, b), (False, c)] (sign or, for products, not divided)."""
    if isinstance(node, ast.BinOp) and isinstance(node.op, ops):
        positive = isinstance(node.op, (ast.Add, ast.Mult, ast.MatMult))
        return [*_chain(node.left, ops), (positive, node.right)]
    return [(True, node)]


def _rebuild(
    terms: list[tuple[bool, ast.expr]], plus: ast.operator, minus: ast.operator
) -> ast.expr:
    first_sign, out = terms[0]
    if not first_sign:
        out = ast.UnaryOp(op=ast.USub(), operand=out)
    for positive, term in terms[1:]:
        out = ast.BinOp(left=out, op=plus if positive else minus, right=term)
    return out


def _terms(node: ast.expr, target: str) -> Iterator[EditSpec]:
    for ops, plus, minus, what, operator in (
        ((ast.Add, ast.Sub), ast.Add(), ast.Sub(), "term", "drop-term"),
        ((ast.Mult, ast.Div), ast.Mult(), ast.Div(), "factor", "drop-factor"),
    ):
        terms = _chain(node, ops)
        if len(terms) < 2:
            continue
        for k, (_, term) in enumerate(terms):
            shown = ast.unparse(term)

            def drop(
                n: ast.expr,
                k: int = k,
                ops: tuple[type[ast.operator], ...] = ops,
                plus: ast.operator = plus,
                minus: ast.operator = minus,
            ) -> ast.expr:
                rest = _chain(n, ops)
                return _rebuild(rest[:k] + rest[k + 1 :], plus, minus)

            words = f"{_computes(target)} without the {what} {_q(shown)}"
            yield operator, f"{target}:-{shown}", words, drop
    pair = _operands(node)
    if pair is not None:
        operands = (pair[0], pair[1])
        for k in (0, 1):
            dropped = ast.unparse(operands[1 - k])

            def keep(n: ast.expr, k: int = k) -> ast.expr:
                got = _operands(n)
                assert got is not None
                return got[0] if k == 0 else got[1]

            words = f"{_computes(target)} without the factor {_q(dropped)}"
            yield "drop-factor", f"{target}:-{dropped}", words, keep


def _sign(node: ast.expr, target: str) -> Iterator[EditSpec]:
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub)):
        old, new = ("+", "-") if isinstance(node.op, ast.Add) else ("-", "+")
        right = ast.unparse(node.right)

        def flip(n: ast.expr) -> ast.expr:
            assert isinstance(n, ast.BinOp)
            n.op = ast.Sub() if isinstance(n.op, ast.Add) else ast.Add()
            return n

        words = f"{_computes(target)} with `{new} {right}` in place of `{old} {right}`"
        yield "sign", f"{target}:{old}{right}->{new}{right}", words, flip
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        operand = ast.unparse(node.operand)

        def unsign(n: ast.expr) -> ast.expr:
            assert isinstance(n, ast.UnaryOp)
            return n.operand

        words = f"{_computes(target)} with {_q(operand)} in place of `-{operand}`"
        yield "sign", f"{target}:-{operand}->{operand}", words, unsign


def _stack_order(node: ast.expr, target: str) -> Iterator[EditSpec]:
    if not isinstance(node, ast.Call) or ast.unparse(node.func) not in STACKS or not node.args:
        return
    parts = node.args[0]
    if not isinstance(parts, (ast.Tuple, ast.List)) or len(parts.elts) != 2:
        return
    a, b = (ast.unparse(e) for e in parts.elts)

    def swap(n: ast.expr) -> ast.expr:
        assert isinstance(n, ast.Call) and isinstance(n.args[0], (ast.Tuple, ast.List))
        n.args[0].elts.reverse()
        return n

    words = f"{_who(target)} stacks {_q(b)} before {_q(a)}, where the reference puts {_q(a)} first"
    yield "swap", f"{target}:{a}<->{b}", words, swap


def _tuple_order(
    node: ast.expr, stmt: ast.stmt, target: str, fdef: ast.FunctionDef
) -> Iterator[EditSpec]:
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
            words = f"{holder}{verb} {_q(a)} and {_q(b)} in swapped places"
            yield "order", f"{target or 'return'}:{a}<->{b}", words, swap


def _substitution(node: ast.expr, stmt: ast.stmt, target: str, scope: Scope) -> Iterator[EditSpec]:
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

        words = f"{_who(target)} uses {_q(other)} where the reference uses {_q(text)}"
        yield "name", f"{target}:{text}->{other}", words, rename
    if kind == "int" and isinstance(node, ast.Name):
        for step, op in ((-1, ast.Sub()), (1, ast.Add())):
            shown = f"{text} {'-' if step < 0 else '+'} 1"

            def shift(n: ast.expr, op: ast.operator = op) -> ast.expr:
                return ast.BinOp(left=n, op=op, right=ast.Constant(value=1))

            words = f"{_who(target)} uses `{shown}` where the reference uses {_q(text)}"
            yield "step", f"{target}:{text}->{shown.replace(' ', '')}", words, shift


def _wrapped(node: ast.expr, stmt: ast.stmt, target: str, scope: Scope) -> Iterator[EditSpec]:
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
                            return _call(helper, x)
                        return x

                out: ast.expr = Wrap().visit(n)
                return out

            words = f"{_computes(target)} with `{shown}({name})` in place of {_q(name)}"
            yield "wrap", f"{target}:{name}->{shown}({name})", words, wrap


def _reduced(node: ast.expr) -> ast.expr | None:
    """What a sum or mean reduces (``dz`` of ``np.sum(dz, axis=1)`` or ``dz.sum(1)``)."""
    if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
        return None
    if node.func.attr not in REDUCTIONS:
        return None
    if ast.unparse(node.func.value) == "np":
        return node.args[0] if node.args else None
    return node.func.value


def _unreduced(node: ast.expr, target: str) -> Iterator[EditSpec]:
    inner = _reduced(node)
    whole = node
    if (
        inner is None
        and isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "reshape"
    ):
        inner = _reduced(node.func.value)
    if inner is None:
        return
    kept = ast.unparse(inner)

    def unreduce(n: ast.expr) -> ast.expr:
        found = _reduced(n)
        if found is None:
            assert isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)
            found = _reduced(n.func.value)
        assert found is not None
        return found

    words = f"{_who(target)} keeps {_q(kept)} where the reference reduces it: {_q(whole)}"
    yield "unreduced", f"{target}:{ast.unparse(whole)}->{kept}", words, unreduce


def _fresh(node: ast.expr, target: str, scope: Scope) -> Iterator[EditSpec]:
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

            words = f"{_who(target)} starts from {_q(name)} where the reference uses {_q(node)}"
            yield "name", f"{target}:{ast.unparse(node)}->{name}", words, start
