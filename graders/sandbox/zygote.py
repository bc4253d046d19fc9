"""The fork server's process: a pre-imported Python that forks each new sandbox.

It runs on the host as root, started by :mod:`graders.sandbox.forkserver` with a minimal
environment and ``python -I``. Every sandbox it makes is a copy of this process, so it imports
only the standard library and the modules kernels preload (NumPy, ipykernel), never
``graders``, and it holds no secret: requests carry paths, a uid and limits, nothing else.

For each request it forks three processes, doing after the fork what bubblewrap does for a cold
sandbox (the layout comes from the grader, the same one bubblewrap is given):

* the *outer* process (root, host namespaces) joins the sandbox's cgroups, applies the rlimits,
  unshares the pid, network, IPC, UTS and cgroup namespaces, and reports on the status pipe as
  ``bwrap --json-status-fd`` does: ``{"child-pid": N}`` then ``{"exit-code": N}``;
* the *init* (pid 1 inside) unshares the mount namespace, builds a tmpfs root of read-only
  binds, private tmpfs directories, ``/proc`` and a minimal ``/dev``, pivots into it, brings
  ``lo`` up, drops every capability, switches to the slot's uid and loads the seccomp filter,
  then reaps until the program ends;
* the *program* (pid 2) starts a new session, takes the sandbox's environment and runs the
  requested script with the already imported modules.

Protocol: fd ``--fd`` is a ``SOCK_SEQPACKET`` socket. The zygote sends ``ready``; then each
request is one JSON message carrying two file descriptors (status pipe, stderr pipe); the
reply is ``ok`` with a pidfd of the outer process, or ``error: ...``. End of file on the socket
means the grader is gone: the zygote exits and its sandboxes die with it.
"""

import argparse
import ctypes
import ctypes.util
import errno
import fcntl
import json
import os
import resource
import select
import signal
import socket
import struct
import sys
import traceback

CLONE_NEWNS = 0x00020000
CLONE_NEWCGROUP = 0x02000000
CLONE_NEWUTS = 0x04000000
CLONE_NEWIPC = 0x08000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000

MS_RDONLY = 0x1
MS_NOSUID = 0x2
MS_NODEV = 0x4
MS_NOEXEC = 0x8
MS_REMOUNT = 0x20
MS_BIND = 0x1000
MS_REC = 0x4000
MS_PRIVATE = 0x40000
MNT_DETACH = 0x2

PR_SET_PDEATHSIG = 1
PR_SET_DUMPABLE = 4
PR_CAPBSET_DROP = 24
PR_SET_SECCOMP = 22
PR_SET_NO_NEW_PRIVS = 38
SECCOMP_MODE_FILTER = 2

SYS_PIVOT_ROOT = {"x86_64": 155, "aarch64": 41}
SIOCSIFFLAGS = 0x8914
IFF_UP, IFF_LOOPBACK, IFF_RUNNING = 0x1, 0x8, 0x40

DEVICES = ("null", "zero", "full", "random", "urandom", "tty")
RLIMITS = {
    "cpu": "RLIMIT_CPU",
    "fsize": "RLIMIT_FSIZE",
    "nofile": "RLIMIT_NOFILE",
    "core": "RLIMIT_CORE",
    "as": "RLIMIT_AS",
    "nproc": "RLIMIT_NPROC",
}

libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
libc.mount.argtypes = [ctypes.c_char_p] * 3 + [ctypes.c_ulong, ctypes.c_char_p]
libc.umount2.argtypes = [ctypes.c_char_p, ctypes.c_int]
libc.prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]


class SockFilterProg(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


def _check(result, what):
    if result != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


def _b(path):
    return None if path is None else os.fsencode(path)


def mount(src, dst, fstype, flags, data=None):
    _check(libc.mount(_b(src), _b(dst), _b(fstype), flags, _b(data)), f"mount {dst}")


def prctl(option, arg=0):
    _check(libc.prctl(option, arg, 0, 0, 0), f"prctl {option}")


def unshare(flags):
    _check(libc.unshare(flags), "unshare")


# -- the sandbox's file system -----------------------------------------------------------


def _make_parent(path):
    os.makedirs(os.path.dirname(path), mode=0o755, exist_ok=True)


def _bind(src, dst, read_only):
    _make_parent(dst)
    if os.path.isdir(src):
        os.makedirs(dst, mode=0o755, exist_ok=True)
    elif not os.path.exists(dst):
        os.close(os.open(dst, os.O_CREAT | os.O_WRONLY, 0o644))
    mount(src, dst, None, MS_BIND)
    flags = MS_BIND | MS_REMOUNT | MS_NOSUID | MS_NODEV | (MS_RDONLY if read_only else 0)
    mount(None, dst, None, flags)


def _dev(dst):
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


def build_root(root, layout):
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
        else:
            raise ValueError(f"unknown layout operation {op!r}")
    if read_only_root:
        mount(None, root, None, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV)
    os.chdir(root)
    machine = os.uname().machine
    _check(libc.syscall(SYS_PIVOT_ROOT[machine], b".", b"."), "pivot_root")
    _check(libc.umount2(b".", MNT_DETACH), "umount old root")
    os.chdir("/")


def loopback_up():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        ifreq = struct.pack("16sH22x", b"lo", IFF_UP | IFF_LOOPBACK | IFF_RUNNING)
        fcntl.ioctl(s.fileno(), SIOCSIFFLAGS, ifreq)


def drop_privileges(uid):
    """Become ``uid`` with no capability left, for good."""
    for cap in range(64):
        try:
            prctl(PR_CAPBSET_DROP, cap)
        except OSError as exc:
            if exc.errno != errno.EINVAL:  # EINVAL: past the last capability
                raise
            break
    os.setgroups([])
    os.setresgid(uid, uid, uid)
    os.setresuid(uid, uid, uid)
    prctl(PR_SET_NO_NEW_PRIVS, 1)


def load_seccomp(program):
    buf = ctypes.create_string_buffer(program, len(program))
    prog = SockFilterProg(len(program) // 8, ctypes.addressof(buf))
    _check(libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.addressof(prog), 0, 0), "seccomp")


# -- the three processes -------------------------------------------------------------------


def _exit_code(status):
    if os.WIFSIGNALED(status):
        return 128 + os.WTERMSIG(status)
    return os.WEXITSTATUS(status)


def _report(fd, doc):
    os.write(fd, (json.dumps(doc) + "\n").encode())


def outer(spec, status_fd, err_fd):
    """Root in the host's namespaces: cgroups, rlimits, namespaces; then wait for the init."""
    prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    devnull = os.open("/dev/null", os.O_RDWR)
    os.dup2(devnull, 0)
    os.dup2(devnull, 1)
    os.dup2(err_fd, 2)
    for path in spec["cgroup_procs"]:
        fd = os.open(path, os.O_WRONLY | os.O_NOFOLLOW)
        os.write(fd, str(os.getpid()).encode())
        os.close(fd)
    for name, value in spec["rlimits"].items():
        resource.setrlimit(getattr(resource, RLIMITS[name]), (value, value))
    unshare(CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWCGROUP)
    pid = os.fork()
    if pid == 0:
        os.close(status_fd)
        init(spec, devnull)
    _report(status_fd, {"child-pid": pid})
    _, status = os.waitpid(pid, 0)
    _report(status_fd, {"exit-code": _exit_code(status)})
    os._exit(0)


def init(spec, devnull):
    """Pid 1 of the sandbox: builds its root, drops to the slot uid, reaps until the end."""
    # Pid 1 gets only the signals it handles: with Python's SIGINT handler gone, nothing
    # from inside can stop it.
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    try:
        build_root(spec["root"], spec["layout"])
        socket.sethostname(spec["hostname"])
        loopback_up()
        drop_privileges(spec["uid"])
        prctl(PR_SET_PDEATHSIG, signal.SIGKILL)  # after the uid change, which clears it
        # The init gets the filter too: the program shares its uid, and a filter only on the
        # program would leave the init's system calls as a way around it. The init stays
        # undumpable (the uid change made it so), so the program cannot reach its memory
        # through /proc/1/mem.
        load_seccomp(bytes.fromhex(spec["seccomp"]))
        program = os.fork()
        if program == 0:
            run_program(spec, devnull)
    except BaseException:
        traceback.print_exc()
        os._exit(125)
    while True:
        try:
            pid, status = os.waitpid(-1, 0)
        except ChildProcessError:
            os._exit(125)
        except InterruptedError:
            continue
        if pid == program:
            os._exit(_exit_code(status))


def run_program(spec, devnull):
    """Pid 2: the sandboxed program, run on the imports this process already holds."""
    code = 1
    try:
        os.setsid()
        os.dup2(devnull, 0)
        os.dup2(devnull, 1)
        os.closerange(3, 1 << 16)
        # A change of uid made the init undumpable, and this copy with it, which hides the
        # program's own /proc files from it (``/proc/self/fd``, used by subprocess); a fresh
        # exec would be dumpable, so match that.
        prctl(PR_SET_DUMPABLE, 1)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        os.environ.clear()
        os.environ.update(spec["env"])
        os.chdir(spec["chdir"])
        sys.dont_write_bytecode = True
        import numpy

        numpy.random.seed()  # the zygote's state is every kernel's: reseed from the OS
        run_python(spec["argv"])
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    except BaseException:
        traceback.print_exc()
    finally:
        os._exit(code)


def run_python(argv):
    """Do what ``python *argv`` would (a script path, or ``-c CODE args...``)."""
    if argv[0] == "-c":
        sys.argv = ["-c", *argv[2:]]
        sys.path.insert(0, "")
        exec(compile(argv[1], "<string>", "exec"), {"__name__": "__main__"})
        return
    sys.argv = list(argv)
    sys.path.insert(0, os.path.dirname(argv[0]))
    import runpy

    runpy.run_path(argv[0], run_name="__main__")


# -- the server loop -----------------------------------------------------------------------


def serve(sock):
    sock.send(b"ready")
    while True:
        ready, _, _ = select.select([sock], [], [], 0.5)
        _reap()
        if not ready:
            continue
        try:
            data, fds, _, _ = socket.recv_fds(sock, 1 << 20, 2)
        except ConnectionResetError:
            return
        if not data:
            return
        try:
            spec = json.loads(data)
            status_fd, err_fd = fds
            pid = os.fork()
            if pid == 0:
                try:
                    sock.close()
                    outer(spec, status_fd, err_fd)
                except BaseException:
                    traceback.print_exc()
                finally:
                    os._exit(125)
            pidfd = os.pidfd_open(pid)
            try:
                socket.send_fds(sock, [b"ok"], [pidfd])
            finally:
                os.close(pidfd)
        except Exception as exc:
            sock.send(f"error: {type(exc).__name__}: {exc}".encode()[:4000])
        finally:
            for fd in fds:
                os.close(fd)


def _reap():
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--fd", type=int, required=True)
    parser.add_argument("--preload", default="")
    args = parser.parse_args()
    sock = socket.socket(fileno=args.fd)
    for name in ["numpy", "ipykernel.kernelapp", *args.preload.split(",")]:
        if name.strip():
            __import__(name.strip())
    for name in modules_a_kernel_imports():
        try:
            __import__(name)
        except Exception:  # one that cannot load here loads later in the kernel, or never
            continue
    serve(sock)


def modules_a_kernel_imports():
    """What ``IPKernelApp.initialize`` imports beyond our preloads (debugpy, IPython's shell...).

    Found by initializing a throwaway kernel in a child, so the list follows ipykernel's
    version; importing it here leaves each forked kernel only its own set-up to do. The child
    binds its sockets in a temporary directory that it removes.
    """
    before = set(sys.modules)
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            os.close(r)
            devnull = os.open(os.devnull, os.O_RDWR)
            for fd in (0, 1, 2):
                os.dup2(devnull, fd)
            code = _initialize_throwaway_kernel(w, before)
        finally:
            os._exit(code)
    os.close(w)
    data = b""
    while chunk := os.read(r, 1 << 16):
        data += chunk
    os.close(r)
    os.waitpid(pid, 0)
    try:
        return json.loads(data)
    except ValueError:
        return []


def _initialize_throwaway_kernel(w, before):
    import shutil
    import tempfile

    from ipykernel.kernelapp import IPKernelApp

    folder = tempfile.mkdtemp(prefix="markwell-zygote-")
    try:
        path = os.path.join(folder, "kernel.json")
        ports = ("shell_port", "iopub_port", "stdin_port", "control_port", "hb_port")
        info = {name: i + 1 for i, name in enumerate(ports)}
        info.update(transport="ipc", ip=os.path.join(folder, "k"), key="warm-up")
        with open(path, "w") as fh:
            json.dump(info, fh)
        # The same options as the real kernel (graders/kernel/inside.py).
        IPKernelApp.instance().initialize(
            [
                "-f",
                path,
                "--HistoryManager.enabled=False",
                "--InteractiveShell.colors=nocolor",
                "--IPKernelApp.parent_handle=0",
            ]
        )
        os.write(w, json.dumps(sorted(set(sys.modules) - before)).encode())
        return 0
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
