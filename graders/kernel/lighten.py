"""A grading kernel's lighter ipykernel: the per-cell work it has no use for, skipped.

Runs inside the sandbox beside ``inside.py``, which loads it as it loads the codec: it must
import nothing from ``graders``.
"""

from __future__ import annotations

import ast
import hashlib
import logging
import os
from typing import Any


def is_plain_python(cell: str) -> bool:
    """True when IPython's input transforms would return ``cell`` unchanged (but for a final
    newline): it parses as Python, and its first line is neither blank nor indented and no
    line starts with a prompt (``>>>``, ``...``, ``In [``), the only Python they rewrite.

    The transforms rewrite IPython's own syntax (magics, ``!``, ``?``, prompts), none of it
    valid Python; they tokenise every line to find it, which costs more than running most
    cells of a notebook.
    """
    first = cell.split("\n", 1)[0]
    if not first.strip() or first[:1].isspace():
        return False
    for line in cell.splitlines():
        start = line.lstrip()
        if start.startswith((">>>", "...", "In [")):
            return False
    try:
        compile(cell, "<cell>", "exec", ast.PyCF_ONLY_AST, dont_inherit=True)
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return False
    return True


def lighten(app: Any) -> None:
    """Drop per-cell work of ipykernel's that a grading kernel has no use for.

    Measured on rnn-numpy's 25 cells, these cost more CPU in the kernel than the cells' own
    code: IPython's input transforms, a pure-Python hash of every cell that names it for
    ipykernel's debugger, a second compile of every cell to see whether it awaits at top
    level, a signature inspected per request, and a log record built per message for a
    handler that drops it.
    """
    import ipykernel.compiler
    import ipykernel.ipkernel

    # traitlets leaves the logger at DEBUG behind a WARNING handler.
    app.log.setLevel(logging.WARNING)
    shell = app.shell
    transform = shell.transform_cell
    last: dict[str, str] = {}  # ipykernel and IPython each transform the same cell in turn

    def transform_cell(raw_cell: str) -> str:
        if raw_cell in last:
            return last[raw_cell]
        if is_plain_python(raw_cell):
            cell = raw_cell if raw_cell.endswith("\n") else raw_cell + "\n"
        else:
            cell = str(transform(raw_cell))
        last.clear()
        last[raw_cell] = cell
        return cell

    should_run_async = shell.should_run_async

    def maybe_async(raw_cell: str, **kwargs: Any) -> bool:
        # Only a cell with ``await``, ``async for`` or ``async with`` can run as a coroutine.
        texts = (raw_cell, kwargs.get("transformed_cell") or "")
        if not any(word in text for text in texts for word in ("await", "async")):
            return False
        return bool(should_run_async(raw_cell, **kwargs))

    folder = ipykernel.compiler.get_tmp_directory()  # type: ignore[no-untyped-call]

    def code_name(raw_code: str, code: Any, number: int) -> str:
        digest = hashlib.blake2b(raw_code.encode("utf-8", "surrogatepass"), digest_size=8)
        return os.path.join(folder, f"{int.from_bytes(digest.digest(), 'little')}.py")

    kernel_module = vars(ipykernel.ipkernel)  # a private helper, called per request
    accepts = kernel_module["_accepts_parameters"]
    accepted: dict[tuple[Any, tuple[str, ...]], Any] = {}

    def accepts_parameters(meth: Any, names: list[str]) -> Any:
        key = (getattr(meth, "__func__", meth), tuple(names))
        if key not in accepted:
            accepted[key] = accepts(meth, names)
        return dict(accepted[key])

    shell.transform_cell = transform_cell
    shell.should_run_async = maybe_async
    shell.compile.get_code_name = code_name
    kernel_module["_accepts_parameters"] = accepts_parameters
