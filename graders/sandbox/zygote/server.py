"""The zygote's main loop: warm up the imports, then fork a sandbox per request."""

from __future__ import annotations

import argparse
import json
import os
import select
import socket
import sys
import traceback

from .processes import outer


def serve(sock: socket.socket) -> None:
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


def _reap() -> None:
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--fd", type=int, required=True)
    parser.add_argument("--preload", default="")
    parser.add_argument("--forget", default="")
    args = parser.parse_args()
    sock = socket.socket(fileno=args.fd)
    forget_finders([name for name in args.forget.split(",") if name])
    # numpy.random loads lazily, on first use: every kernel reseeds it (fresh.py), and most
    # notebooks draw from it, so each would pay the import that one zygote can pay for all.
    for name in ["numpy", "numpy.random", "ipykernel.kernelapp", *args.preload.split(",")]:
        if name.strip():
            __import__(name.strip())
    for name in modules_a_kernel_imports():
        try:
            __import__(name)
        except Exception:  # one that cannot load here loads later in the kernel, or never
            continue
    serve(sock)


def forget_finders(modules: list[str]) -> None:
    """Unload the import finders ``modules`` installed (an editable install's, from its
    ``.pth``): every sandbox is a copy of this process, and the finder names the source tree
    that a sandbox hides."""
    for name in modules:
        module = sys.modules.pop(name, None)
        if module is None:
            continue
        sys.meta_path[:] = [f for f in sys.meta_path if getattr(f, "__module__", "") != name]
        sys.path_hooks[:] = [h for h in sys.path_hooks if getattr(h, "__module__", "") != name]
        placeholder = getattr(module, "PATH_PLACEHOLDER", None)
        if isinstance(placeholder, str):
            sys.path[:] = [p for p in sys.path if p != placeholder]
            sys.path_importer_cache.pop(placeholder, None)


def modules_a_kernel_imports() -> list[str]:
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
        names = json.loads(data)
    except ValueError:
        return []
    return [str(name) for name in names] if isinstance(names, list) else []


def _initialize_throwaway_kernel(w: int, before: set[str]) -> int:
    import shutil
    import tempfile

    from ipykernel.kernelapp import IPKernelApp

    folder = tempfile.mkdtemp(prefix="markwell-zygote-")
    try:
        path = os.path.join(folder, "kernel.json")
        ports = ("shell_port", "iopub_port", "stdin_port", "control_port", "hb_port")
        info: dict[str, object] = {name: i + 1 for i, name in enumerate(ports)}
        info.update(transport="ipc", ip=os.path.join(folder, "k"), key="warm-up")
        with open(path, "w") as fh:
            json.dump(info, fh)
        # The same options as the real kernel (graders/kernel/inside.py).
        IPKernelApp.instance().initialize(  # type: ignore[no-untyped-call]
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
