"""The system-call filter loaded into every sandbox (bubblewrap's ``--seccomp FD``).

Default allow, with a deny list of calls a Jupyter kernel never needs and that widen the
attack surface: debugging other processes, mounting, kernel keyrings, BPF, perf, userfaultfd,
io_uring, module loading, namespaces, and terminal injection (TIOCSTI/TIOCLINUX, matched on the
low 32 bits of the ioctl request so the high-bits variant is caught too). Denied calls fail
with EPERM instead of killing the kernel, so a student sees an ordinary ``PermissionError``.
"""

from __future__ import annotations

import errno
import hashlib
import os
import socket
import tempfile
from functools import lru_cache
from pathlib import Path

DENIED_SYSCALLS: tuple[str, ...] = (
    "ptrace",
    "process_vm_readv",
    "process_vm_writev",
    "kcmp",
    "mount",
    "umount2",
    "pivot_root",
    "chroot",
    "move_mount",
    "open_tree",
    "fsopen",
    "fsconfig",
    "fsmount",
    "fspick",
    "mount_setattr",
    "setns",
    "unshare",
    "keyctl",
    "add_key",
    "request_key",
    "bpf",
    "perf_event_open",
    "userfaultfd",
    "io_uring_setup",
    "io_uring_enter",
    "io_uring_register",
    "kexec_load",
    "kexec_file_load",
    "init_module",
    "finit_module",
    "delete_module",
    "reboot",
    "swapon",
    "swapoff",
    "acct",
    "quotactl",
    "syslog",
    "lookup_dcookie",
    "open_by_handle_at",
    "name_to_handle_at",
    "personality",
    "uselib",
    "vhangup",
    "iopl",
    "ioperm",
    "clock_adjtime",
    "clock_settime",
    "settimeofday",
    "adjtimex",
    "nfsservctl",
)

_TIOCSTI = 0x5412
_TIOCLINUX = 0x541C
_CLONE_NAMESPACE_FLAGS = (0x10000000, 0x20000000, 0x40000000, 0x04000000, 0x08000000, 0x00020000)
"""CLONE_NEWUSER, NEWPID, NEWNET, NEWUTS, NEWIPC, NEWNS: clone() may not make namespaces."""
_DENIED_SOCKET_FAMILIES = (
    getattr(socket, "AF_VSOCK", 40),
    # AF_NETLINK stays: ZeroMQ enumerates interfaces through it and aborts if refused.
    getattr(socket, "AF_PACKET", 17),
    38,  # AF_ALG: kernel crypto sockets have a long CVE history
    getattr(socket, "AF_BLUETOOTH", 31),
)


def build_filter_bytes() -> bytes:
    """Compile the filter to classic BPF with libseccomp; raises OSError if unavailable."""
    import pyseccomp as sc  # type: ignore[import-untyped]  # no type information shipped

    eperm = sc.ERRNO(errno.EPERM)
    f = sc.SyscallFilter(sc.ALLOW)
    for name in DENIED_SYSCALLS:
        try:
            f.add_rule(eperm, name)
        except (ValueError, RuntimeError, OSError):
            continue  # not a system call on this architecture
    for request in (_TIOCSTI, _TIOCLINUX):
        f.add_rule(eperm, "ioctl", sc.Arg(1, sc.MASKED_EQ, 0xFFFFFFFF, request))
    for family in _DENIED_SOCKET_FAMILIES:
        f.add_rule(eperm, "socket", sc.Arg(0, sc.EQ, family))
    for flag in _CLONE_NAMESPACE_FLAGS:
        f.add_rule(eperm, "clone", sc.Arg(0, sc.MASKED_EQ, flag, flag))
    # clone3 passes flags in memory a filter cannot read; ENOSYS makes libc fall back to clone.
    f.add_rule(sc.ERRNO(errno.ENOSYS), "clone3")
    with tempfile.TemporaryFile() as out:
        f.export_bpf(out)
        out.seek(0)
        return out.read()


@lru_cache(maxsize=1)
def filter_bytes() -> bytes:
    """The compiled filter, built once per process."""
    return build_filter_bytes()


def filter_path(cache_dir: str) -> Path:
    """The compiled filter as a file in ``cache_dir`` (for bubblewrap), named by its content.

    Every grading process on the machine shares the one file; a unique temporary name and an
    atomic rename keep concurrent writers from tearing it.
    """
    data = filter_bytes()
    path = Path(cache_dir) / f"seccomp-{hashlib.sha256(data).hexdigest()[:16]}.bpf"
    if not path.exists():
        fd, tmp = tempfile.mkstemp(dir=cache_dir, prefix=".seccomp-")
        try:
            os.write(fd, data)
            os.fchmod(fd, 0o644)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    return path
