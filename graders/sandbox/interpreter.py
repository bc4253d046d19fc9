"""The Python a sandbox runs, and what of the host it needs to see to run it.

A venv is only a thin folder: its ``bin/python`` is a symlink to a base interpreter, and the
standard library lives under that base's prefix (``home`` in ``pyvenv.cfg``). Both launchers
bind the real, symlink-free directories read-only at their own paths, with fresh parents, so a
venv built on a Python in a folder the sandbox's user cannot enter (pyenv under ``/root``, uv,
conda) works as well as one built on ``/usr/bin/python3``.
"""

from __future__ import annotations

import os
import stat
import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

SYSTEM_TREE = Path("/usr")
"""Bound read-only in every sandbox anyway (see :func:`graders.sandbox.config.layout`)."""


@dataclass(frozen=True)
class Interpreter:
    """A Python environment as a sandbox must see it."""

    executable: Path
    """What the sandbox runs: ``<real prefix>/bin/python``."""
    trees: tuple[Path, ...]
    """Real directories to bind read-only at their own path (the venv, its base Python)."""
    links: tuple[tuple[Path, str], ...]
    """Symlinks on the way from :attr:`executable` to the real binary that lie outside every
    bound tree, as ``(where, target)``: the sandbox gets the same links."""
    hops: tuple[Path, ...]
    """Every symlink on that way (canonical places), bound or made again."""
    binary: Path
    """The real interpreter file."""


def _real(path: Path | str) -> Path:
    return Path(os.path.realpath(path))


def _inside(path: Path, tree: Path) -> bool:
    # On strings: pathlib's ``parents`` is slow enough to matter on every sandbox start.
    inner, outer = str(path), str(tree)
    return inner == outer or inner.startswith(outer.rstrip("/") + "/")


def _venv_home(prefix: Path) -> Path | None:
    """The ``home`` of a venv's ``pyvenv.cfg`` (the base interpreter's folder), if any."""
    try:
        text = (prefix / "pyvenv.cfg").read_text()
    except OSError:
        return None
    for line in text.splitlines():
        key, sep, value = line.partition("=")
        if sep and key.strip() == "home" and value.strip():
            return Path(value.strip())
    return None


def _hops(executable: Path) -> list[tuple[Path, str]]:
    """Each symlink from ``executable`` to the real file, as ``(canonical place, target)``."""
    hops: list[tuple[Path, str]] = []
    current = executable
    for _ in range(40):  # the kernel's own limit on a symlink chain
        place = _real(current.parent) / current.name
        if not place.is_symlink():
            break
        target = os.readlink(place)
        hops.append((place, target))
        current = place.parent / target
    return hops


@lru_cache(maxsize=16)
def find_interpreter(prefix: Path) -> Interpreter:
    """Resolve the environment at ``prefix`` (a venv, a conda env or a plain installation).

    Once per process and prefix, as the fork server's interpreter is: an environment rebuilt
    elsewhere needs a restarted grader.
    """
    venv = _real(prefix)
    executable = venv / "bin" / "python"
    candidates = [venv]
    home = _venv_home(venv)
    if home is not None:
        candidates.append(_real(home).parent)
    real_binary = _real(executable)
    if real_binary.parent.name == "bin" and real_binary.parent.parent != Path("/"):
        candidates.append(real_binary.parent.parent)
    if venv == _real(sys.prefix):
        candidates.append(_real(sys.base_prefix))
    trees: list[Path] = []
    for tree in sorted(set(candidates)):
        if not any(_inside(tree, t) for t in [SYSTEM_TREE, *trees]):
            trees.append(tree)
    hops = _hops(executable)
    links = tuple(
        (place, target)
        for place, target in hops
        if not any(_inside(place, t) for t in [SYSTEM_TREE, *trees])
    )
    return Interpreter(
        executable=executable,
        trees=tuple(trees),
        links=links,
        hops=tuple(place for place, _ in hops),
        binary=real_binary,
    )


def _blocked(path: Path, tree: Path, need: int) -> tuple[Path, str] | None:
    """The first folder from ``tree`` down to ``path`` that others cannot enter, or ``path``
    itself when others lack ``need`` (``S_IROTH``/``S_IXOTH`` bits) on it."""
    steps = [tree]
    for part in path.relative_to(tree).parts:
        steps.append(steps[-1] / part)
    checks = [(step, stat.S_IXOTH) for step in steps[:-1]] + [(path, need)]
    for step, bits in checks:
        try:
            info = step.lstat()
        except OSError as exc:
            return step, f"it cannot be read ({exc.strerror})"
        if stat.S_ISLNK(info.st_mode):
            continue
        if info.st_mode & bits != bits:
            what = "enter" if stat.S_ISDIR(info.st_mode) else "read"
            return step, (
                f"it is mode {stat.S_IMODE(info.st_mode):04o}, owned by uid {info.st_uid}: "
                f"the sandbox's unprivileged user cannot {what} it"
            )
    return None


def unreadable(interpreter: Interpreter) -> tuple[Path, str] | None:
    """A path the sandbox's user could not use once the trees are bound, and why; else None.

    Binding gives the sandbox fresh parents, so only what lies inside each tree counts.
    """
    if not interpreter.executable.exists():
        return interpreter.executable, "there is no Python interpreter there"
    wanted: list[tuple[Path, int]] = [
        (tree, stat.S_IXOTH | stat.S_IROTH) for tree in interpreter.trees
    ]
    for tree in interpreter.trees:  # the standard library and the installed packages
        lib = tree / "lib" / interpreter.binary.name
        wanted += [(d, stat.S_IXOTH | stat.S_IROTH) for d in (lib, lib / "site-packages")]
    wanted += [(place, 0) for place in interpreter.hops]
    wanted.append((interpreter.executable.parent.parent / "pyvenv.cfg", stat.S_IROTH))
    for path, need in wanted:
        if not os.path.lexists(path):
            continue  # optional, or reported above (the interpreter)
        for tree in [SYSTEM_TREE, *interpreter.trees]:
            if _inside(path, tree):
                problem = _blocked(path, tree, need)
                if problem is not None:
                    return problem
                break
    return None


def reachable_by_others(path: Path) -> bool:
    """True when a user with no special rights can look ``path`` up (every parent enterable).

    Conservative: group membership and ACLs are not considered.
    """
    for spelled in {os.path.abspath(path), os.path.realpath(path)}:
        folder = os.path.dirname(spelled)
        while True:
            try:
                if not os.stat(folder).st_mode & stat.S_IXOTH:
                    return False
            except OSError:
                return False
            if folder == "/":
                break
            folder = os.path.dirname(folder)
    return True


def python_problem(prefix: Path) -> tuple[str, str] | None:
    """``None`` when a sandbox can run the Python at ``prefix``, else ``(problem, fix)``."""
    python = find_interpreter(prefix)
    blocked = unreadable(python)
    if blocked is None:
        return None
    path, why = blocked
    if not python.executable.exists():
        return (
            f"no Python to bind: {path} does not exist",
            "point the sandbox's python_prefix at a Python environment (a venv's folder)",
        )
    return (
        f"the sandbox cannot use the Python at {prefix}: {path} is bound read-only, but {why}",
        f"let every user read it (chmod o+rX {path}), or build the venv on a Python every "
        "user can read (e.g. /usr/bin/python3 -m venv)",
    )
