"""What a sandbox is: its settings, what it sees of the host, and its environment.

Both launchers build from this one description: :func:`layout` and :func:`environment`.
"""

from __future__ import annotations

import os
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from graders.limits import Limits
from graders.sandbox.installation import hidden_places
from graders.sandbox.interpreter import SYSTEM_TREE, find_interpreter

INSIDE_IN = "/run/markwell/in"
INSIDE_IPC = "/run/markwell/ipc"
INSIDE_HOME = "/home/student"
HOSTNAME = "sandbox"
HIDING_BYTES = 4096
"""Size of the empty tmpfs laid over each folder of Markwell's installation."""


@dataclass(frozen=True)
class SandboxConfig:
    """Where and as whom sandboxes run; the service fills it from its settings."""

    runtime_dir: Path = Path(tempfile.gettempdir()) / "markwell-runtime"
    """Host directory for run directories, slot locks and the compiled seccomp filter."""
    first_uid: int = 62000
    uid_count: int = 512
    python_prefix: Path = Path(sys.prefix)
    """The Python environment the kernel runs in; it and the Python it is built on are bound
    read-only at their real (symlink-free) paths."""
    preload: tuple[str, ...] = ()
    """Modules imported before any student code, besides NumPy (e.g. ``matplotlib``); an
    assignment's ``[sandbox] preload`` adds its own (:meth:`Assignment.sandbox`)."""
    threads: int = 1
    """Threads of the kernel's BLAS, OpenMP and PyTorch (``OMP_NUM_THREADS`` and the like,
    ``torch.set_num_threads``). One by default: a kernel per core is the parallelism, and each
    thread counts against the task limit (``Limits.processes``)."""
    require_cgroups: bool = False
    """Refuse to run without per-sandbox cgroups instead of falling back to rlimits."""
    launcher: Literal["bwrap", "fork"] = "fork"
    """``bwrap``: each sandbox is a fresh bubblewrap and interpreter. ``fork``: a pre-imported
    fork server makes the same sandbox after a fork, without paying the imports again."""


def layout(config: SandboxConfig, limits: Limits, run_dir: Path, uid: int) -> list[dict[str, Any]]:
    """What the sandbox sees, as bubblewrap-style operations applied in order; ``uid`` owns
    the private tmpfs directories.

    The one description both launchers build from: the bubblewrap launcher turns it into
    bubblewrap's options, the fork server mounts it itself.
    """
    ops: list[dict[str, Any]] = [{"op": "ro-bind", "src": str(SYSTEM_TREE), "dst": "/usr"}]
    for top in ("bin", "sbin", "lib", "lib64", "lib32", "libx32"):
        path = Path("/") / top
        if path.is_symlink():  # merged /usr, as Debian lays it out
            ops.append({"op": "symlink", "target": os.readlink(path), "dst": str(path)})
        elif path.is_dir():
            ops.append({"op": "ro-bind", "src": str(path), "dst": str(path)})
    if Path("/etc/ld.so.cache").exists():
        ops.append({"op": "ro-bind", "src": "/etc/ld.so.cache", "dst": "/etc/ld.so.cache"})
    ops += [
        {"op": "ro-bind", "src": str(run_dir / "in" / "passwd"), "dst": "/etc/passwd"},
        {"op": "ro-bind", "src": str(run_dir / "in" / "group"), "dst": "/etc/group"},
        {"op": "proc", "dst": "/proc"},
        {"op": "dev", "dst": "/dev"},
    ]
    for where in ("/dev/shm", "/tmp", INSIDE_HOME):
        ops.append(
            {"op": "tmpfs", "dst": where, "size": limits.file_bytes, "mode": 0o755, "uid": uid}
        )
    python = find_interpreter(config.python_prefix)
    # Each at its own path under fresh parents: the sandbox's user need not be able to enter
    # the host folders above it (a Python under /root works).
    for tree in python.trees:
        ops.append({"op": "ro-bind", "src": str(tree), "dst": str(tree)})
    for place, target in python.links:
        ops.append({"op": "symlink", "target": target, "dst": str(place)})
    # A wheel installs Markwell (its code, the catalog's solutions) inside the bound venv.
    hidden = hidden_places(python)
    for folder in hidden.folders:
        ops += [
            {"op": "tmpfs", "dst": str(folder), "size": HIDING_BYTES, "mode": 0o555, "uid": 0},
            {"op": "remount-ro", "dst": str(folder)},
        ]
    for file in hidden.files:
        ops.append({"op": "ro-bind", "src": os.devnull, "dst": str(file)})
    ops += [
        {"op": "ro-bind", "src": str(run_dir / "in"), "dst": INSIDE_IN},
        {"op": "bind", "src": str(run_dir / "ipc"), "dst": INSIDE_IPC},
        {"op": "remount-ro", "dst": "/"},
    ]
    return ops


def environment(config: SandboxConfig) -> dict[str, str]:
    """The sandboxed program's whole environment."""
    python_bin = find_interpreter(config.python_prefix).executable.parent
    return {
        "PATH": f"{python_bin}:/usr/local/bin:/usr/bin:/bin",
        "HOME": INSIDE_HOME,
        "USER": "student",
        "LOGNAME": "student",
        "LANG": "C.UTF-8",
        "TMPDIR": "/tmp",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONNOUSERSITE": "1",
        **thread_environment(config.threads),
        "MPLCONFIGDIR": "/tmp/matplotlib",
        "IPYTHONDIR": "/tmp/ipython",
        "JUPYTER_RUNTIME_DIR": "/tmp/jupyter",
        "JUPYTER_PLATFORM_DIRS": "1",
        "PYDEVD_DISABLE_FILE_VALIDATION": "1",
        "MARKWELL_PRELOAD": ",".join(config.preload),
    }


def thread_environment(threads: int) -> dict[str, str]:
    """The variables that size BLAS, OpenMP and PyTorch's thread pools (read when each library
    starts; a forked kernel's PyTorch is told again, see the zygote's ``fresh_start``)."""
    count = str(threads)
    return {
        "OPENBLAS_NUM_THREADS": count,
        "OMP_NUM_THREADS": count,
        "MKL_NUM_THREADS": count,
        "MARKWELL_THREADS": count,
    }
