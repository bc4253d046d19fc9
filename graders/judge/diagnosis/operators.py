"""Edit operators on calls and arithmetic: activations and NumPy calls replaced by a
sibling, products, dropped terms and factors, signs, axes, sums left out, stacking order."""

from __future__ import annotations

import ast
import copy
from collections.abc import Iterator

from graders.judge.diagnosis.base import (
    ACTIVATIONS,
    AXES,
    REDUCTIONS,
    SIBLING_HELPER,
    SIBLINGS,
    STACKS,
    EditSpec,
    Rewrite,
    call_helper,
    computes,
    quote,
    who,
)


def activation(node: ast.expr, target: str) -> Iterator[EditSpec]:
    """An activation call replaced by a sibling: sigmoid, tanh, relu, identity, exp or
    ``2 * sigmoid(x) - 1``."""
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
            return call_helper(helper, n.args[0])

        if sibling == "identity":
            words = f"{computes(target)} without applying {quote(written)}"
        else:
            words = f"{computes(target)} with {quote(sibling)} in place of {quote(written)}"
        yield "activation", f"{target}:{written}->{sibling}", words, rewrite


def reduction_and_axis(node: ast.expr, target: str) -> Iterator[EditSpec]:
    """``np.sum`` and ``np.mean`` swapped, another axis, ``keepdims`` toggled."""
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
        words = f"{computes(target)} with {quote(new)} in place of {quote(written)}"
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
                f"{computes(target)} with `axis={choice}` in place of `axis={now}` "
                f"in {quote(written)}"
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
            words = f"{computes(target)} with `keepdims=True` in {quote(written)}"
        else:
            words = f"{computes(target)} without `keepdims=True` in {quote(written)}"
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


def products(node: ast.expr, target: str) -> Iterator[EditSpec]:
    """A matrix product made elementwise, its operands swapped or one of them transposed; an
    elementwise product made a matrix product."""
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
            f"{computes(target)} with an elementwise `{a} * {b}` in place of the matrix "
            f"product of {quote(a)} and {quote(b)}"
        )
        yield "product", f"{target}:{a}*{b}", words, elementwise
        words = (
            f"{computes(target)} multiplying {quote(b)} by {quote(a)} in place of "
            f"{quote(a)} by {quote(b)}"
        )
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

            words = f"{who(target)} uses {quote(new)} where the reference uses {quote(old)}"
            yield "transpose", f"{target}:{ast.unparse(old)}->{new}", words, transpose
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult):
        a, b = ast.unparse(node.left), ast.unparse(node.right)

        def matrix(n: ast.expr) -> ast.expr:
            assert isinstance(n, ast.BinOp)
            return ast.BinOp(left=n.left, op=ast.MatMult(), right=n.right)

        words = (
            f"{computes(target)} with the matrix product `{a} @ {b}` in place of the "
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


def terms(node: ast.expr, target: str) -> Iterator[EditSpec]:
    """One addend of a sum, or one factor of a product, left out."""
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

            words = f"{computes(target)} without the {what} {quote(shown)}"
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

            words = f"{computes(target)} without the factor {quote(dropped)}"
            yield "drop-factor", f"{target}:-{dropped}", words, keep


def sign(node: ast.expr, target: str) -> Iterator[EditSpec]:
    """A ``+`` made ``-`` (or back), a negation dropped."""
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub)):
        old, new = ("+", "-") if isinstance(node.op, ast.Add) else ("-", "+")
        right = ast.unparse(node.right)

        def flip(n: ast.expr) -> ast.expr:
            assert isinstance(n, ast.BinOp)
            n.op = ast.Sub() if isinstance(n.op, ast.Add) else ast.Add()
            return n

        words = f"{computes(target)} with `{new} {right}` in place of `{old} {right}`"
        yield "sign", f"{target}:{old}{right}->{new}{right}", words, flip
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        operand = ast.unparse(node.operand)

        def unsign(n: ast.expr) -> ast.expr:
            assert isinstance(n, ast.UnaryOp)
            return n.operand

        words = f"{computes(target)} with {quote(operand)} in place of `-{operand}`"
        yield "sign", f"{target}:-{operand}->{operand}", words, unsign


def stack_order(node: ast.expr, target: str) -> Iterator[EditSpec]:
    """The two parts of a concatenation in the other order."""
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

    words = (
        f"{who(target)} stacks {quote(b)} before {quote(a)}, "
        f"where the reference puts {quote(a)} first"
    )
    yield "swap", f"{target}:{a}<->{b}", words, swap


def _reduced(node: ast.expr) -> ast.expr | None:
    """What a sum or mean reduces (``dz`` of ``np.sum(dz, axis=1)`` or ``dz.sum(1)``)."""
    if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
        return None
    if node.func.attr not in REDUCTIONS:
        return None
    if ast.unparse(node.func.value) == "np":
        return node.args[0] if node.args else None
    return node.func.value


def unreduced(node: ast.expr, target: str) -> Iterator[EditSpec]:
    """A sum or mean left out: the array it reduces, as it is."""
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

    words = f"{who(target)} keeps {quote(kept)} where the reference reduces it: {quote(whole)}"
    yield "unreduced", f"{target}:{ast.unparse(whole)}->{kept}", words, unreduce
