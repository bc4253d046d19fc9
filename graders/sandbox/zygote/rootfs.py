"""The sandbox's file system: the grader's layout mounted on a fresh tmpfs root."""

from __future__ import annotations

import os
from typing import Any

from .syscalls import (
    CLONE_NEWNS,
    MS_BIND,
    MS_NODEV,
    MS_NOEXEC,
    MS_NOSUID,
    MS_PRIVATE,
    MS_RDONLY,
    MS_REC,
    MS_REMOUNT,
    mount,
    pivot_root_here,
    unshare,
)

DEVICES = ("null", "zero", "full", "random", "urandom", "tty")


def _make_parent(path: str) -> None:
    os.makedirs(os.path.dirname(path), mode=0o755, exist_ok=True)


def _bind(src: str, dst: str, read_only: bool) -> None:
    _make_parent(dst)
    if os.path.isdir(src):
        os.makedirs(dst, mode=0o755, exist_ok=True)
    elif not os.path.exists(dst):
        os.close(os.open(dst, os.O_CREAT | os.O_WRONLY, 0o644))
    mount(src, dst, None, MS_BIND)
    flags = MS_BIND | MS_REMOUNT | MS_NOSUID | MS_NODEV | (MS_RDONLY if read_only else 0)
    mount(None, dst, None, flags)


def _dev(dst: str) -> None:
    os.makedirs(dst, mode=0o755, exist_ok=True)
    mount("tmpfs", dst, "tmpfs", MS_NOSUID | MS_NOEXEC, "mode=0755,size=64k")
    for name in DEVICES:
        target = os.path.join(dst, name)
        os.close(os.open(target, os.O_CREAT | os.O_WRONLY, 0o666))
        mount(f"/dev/{name}", target, None, MS_BIND)
        mount(None, target, None, MS_BIND | MS_REMOUNT | MS_NOSUID | MS_NOEXEC)
    for name, target in (
        ("fd", "/proc/self/fd"),
        ("stdin", "/proc/self/fd/0"),
        ("stdout", "/proc/self/fd/1"),
        ("stderr", "/proc/self/fd/2"),
    ):
        os.symlink(target, os.path.join(dst, name))


def build_root(root: str, layout: list[dict[str, Any]]) -> None:
    """Mount ``layout`` (bubblewrap's operations, in order) under ``root``, then pivot."""
    unshare(CLONE_NEWNS)
    mount(None, "/", None, MS_REC | MS_PRIVATE)
    mount("tmpfs", root, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755,size=1m")
    read_only_root = False
    for op in layout:
        kind, dst = op["op"], root + op.get("dst", "")
        if kind in ("ro-bind", "bind"):
            _bind(op["src"], dst, read_only=kind == "ro-bind")
        elif kind == "symlink":
            _make_parent(dst)
            os.symlink(op["target"], dst)
        elif kind == "proc":
            os.makedirs(dst, mode=0o755, exist_ok=True)
            mount("proc", dst, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
        elif kind == "dev":
            _dev(dst)
        elif kind == "tmpfs":
            os.makedirs(dst, mode=0o755, exist_ok=True)
            opts = f"mode={op['mode']:o},size={op['size']},uid={op['uid']},gid={op['uid']}"
            mount("tmpfs", dst, "tmpfs", MS_NOSUID | MS_NODEV, opts)
        elif kind == "remount-ro" and op["dst"] == "/":
            read_only_root = True
        elif kind == "remount-ro":
            # A mount of its own (the tmpfs laid over a folder of an earlier read-only bind):
            # only its own flags change.
            mount(None, dst, None, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV)
        else:
            raise ValueError(f"unknown layout operation {op!r}")
    if read_only_root:
        mount(None, root, None, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV)
    os.chdir(root)
    pivot_root_here()
