"""Which modules the sandbox's Python can import, asked without importing them here.

An assignment names what its kernels need (``requires = ["torch"]``); the grading process
must not import PyTorch to find out (a second of start-up and a gigabyte of address space),
so a child of the sandbox's own interpreter looks each top-level package up with
``importlib.util.find_spec``, which finds a package without running it. The answer is kept
for the life of the process: installing a package takes a restart to be seen.
"""

from __future__ import annotations

import functools
import json
import subprocess
from collections.abc import Iterable
from pathlib import Path

from graders.errors import SandboxError

_LOOK_UP = """
import importlib.util, json, sys
print(json.dumps([n for n in sys.argv[1:] if importlib.util.find_spec(n) is None]))
"""
LOOK_UP_SECONDS = 30.0


def top_level(module: str) -> str:
    """``torch`` for ``torch._dynamo``: the package whose presence is checked."""
    return module.partition(".")[0]


def missing_modules(python_prefix: Path, modules: Iterable[str]) -> tuple[str, ...]:
    """The top-level packages of ``modules`` that the Python of ``python_prefix`` cannot
    import, sorted; raises :class:`SandboxError` if that Python cannot be run."""
    wanted = tuple(dict.fromkeys(top_level(m) for m in modules))
    if not wanted:
        return ()
    return _missing(str(python_prefix), tuple(sorted(wanted)))


@functools.lru_cache(maxsize=64)
def _missing(python_prefix: str, packages: tuple[str, ...]) -> tuple[str, ...]:
    python = Path(python_prefix) / "bin" / "python"
    try:
        done = subprocess.run(
            [str(python), "-I", "-c", _LOOK_UP, *packages],
            capture_output=True,
            text=True,
            timeout=LOOK_UP_SECONDS,
            check=True,
        )
        missing = json.loads(done.stdout)
    except (OSError, subprocess.SubprocessError, ValueError) as exc:
        raise SandboxError(
            f"cannot ask {python} which modules it has ({type(exc).__name__})",
            "run markwell doctor",
        ) from exc
    return tuple(str(name) for name in missing)
