"""Start an IPython kernel inside a sandbox and connect to it over the ``ipc`` transport.

The kernel binds unix sockets in the sandbox's socket directory; the grader connects to the
same files from outside. There is no TCP anywhere, so the sandbox needs no network.
"""

from __future__ import annotations

import functools
import json
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import zmq
import zmq.asyncio
from jupyter_client.asynchronous.client import AsyncKernelClient
from jupyter_client.connect import KernelConnectionInfo
from jupyter_client.session import Session

from graders.errors import KernelStartError
from graders.kernel.last_words import hit_task_limit, last_lines, written_since
from graders.kernel.wire import PlainDateSession
from graders.limits import Limits
from graders.protocol import codec as codec_module
from graders.sandbox import sandbox as sandbox_module
from graders.sandbox.sandbox import INSIDE_IN, INSIDE_IPC, ExitInfo, Sandbox, SandboxConfig

_INSIDE_SOURCE = Path(__file__).with_name("inside.py")
_LIGHTEN_SOURCE = Path(__file__).with_name("lighten.py")
_PORTS = ("shell_port", "iopub_port", "stdin_port", "control_port", "hb_port")
STARTUP_SECONDS = 30.0


def _connection(ip: str, key: str) -> dict[str, Any]:
    info: dict[str, Any] = {name: i + 1 for i, name in enumerate(_PORTS)}
    info.update(
        transport="ipc", ip=ip, key=key, signature_scheme="hmac-sha256", kernel_name="markwell"
    )
    return info


@dataclass(frozen=True)
class Mark:
    """What a kernel had done before a request, to tell what the request itself did."""

    oom_kills: int
    stderr: str


@dataclass
class SandboxedKernel:
    """A kernel running in its own sandbox. Single use: close it when the run ends."""

    sandbox: Sandbox
    connection: dict[str, Any]
    """Host-side connection info (socket paths outside the sandbox)."""
    started_at: float = field(default_factory=time.monotonic)

    @property
    def kernel_pid(self) -> int:
        """Host pid of the kernel process (the sandbox init's child), 0 if gone."""
        init = self.sandbox.child_pid
        try:
            children = Path(f"/proc/{init}/task/{init}/children").read_text().split()
        except (FileNotFoundError, ProcessLookupError):
            return 0
        return int(children[0]) if children else 0

    def alive(self) -> bool:
        return self.sandbox.alive()

    def mark(self) -> Mark:
        """Take a :class:`Mark` before a cell or a call, for :meth:`exit_info` after it."""
        return Mark(self.sandbox.oom_kills(), self.sandbox.stderr_tail())

    def exit_info(self, mark: Mark) -> ExitInfo:
        """How the kernel ended (once it is dead), with its last words on stderr since
        ``mark``: an exit status alone does not say that a library gave up, and why."""
        info = self.sandbox.exit_info(mark.oom_kills)
        words = last_lines(written_since(mark.stderr, self._settled_stderr()))
        if not words:
            return info
        detail = f'{info.detail}; its last words on stderr: "{words}"'
        if hit_task_limit(words):
            tasks = self.sandbox.limits.processes
            detail = (
                f"the kernel hit the task limit ({tasks} tasks: processes and threads): {detail}"
            )
        return ExitInfo(info.verdict, detail)

    def _settled_stderr(self) -> str:
        # The sandbox reads stderr on a thread of its own, which may lag the process's end.
        tail = self.sandbox.stderr_tail()
        for _ in range(10):
            time.sleep(0.02)
            again = self.sandbox.stderr_tail()
            if again == tail:
                break
            tail = again
        return tail

    def client(self, max_message_bytes: int) -> SandboxClient:
        """A new asyncio client on its own ZeroMQ context, with a cap on message size."""
        ctx = zmq.asyncio.Context()
        # One huge message would otherwise grow the grader by its size; zmq drops the peer.
        ctx.setsockopt(zmq.MAXMSGSIZE, max_message_bytes)
        kc = SandboxClient(context=ctx, kernel=self, session=PlainDateSession())
        kc.load_connection_info(cast(KernelConnectionInfo, self.connection))
        return kc

    def close(self) -> None:
        self.sandbox.close()


AcquireKernel = Callable[[], SandboxedKernel]
"""Where a session gets each new kernel: :func:`start_kernel` or a pool's ``acquire``."""


class SandboxClient(AsyncKernelClient):
    """An async kernel client whose liveness is the sandbox's process, not the heartbeat.

    A heartbeat can miss a beat on a loaded machine and declare a healthy kernel dead; the
    sandbox process cannot lie about being alive.
    """

    def __init__(self, *, kernel: SandboxedKernel, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._kernel = kernel
        self.last_execute_id: str | None = None

    async def _async_is_alive(self) -> bool:
        return self._kernel.alive()

    is_alive = _async_is_alive

    def execute(self, code: str, *args: Any, **kwargs: Any) -> str:
        msg_id: str = super().execute(code, *args, **kwargs)
        self.last_execute_id = msg_id
        return msg_id

    def interrupt(self) -> None:
        """Ask the kernel to interrupt its running request (a message, not a signal)."""
        msg = self.session.msg("interrupt_request", {})
        self.control_channel.send(msg)

    def close(self) -> None:
        self.stop_channels()
        self.context.destroy(linger=0)


@functools.cache
def _kernel_sources() -> dict[str, bytes]:
    """What the kernel runs, read once: every kernel start copies it into its sandbox."""
    return {
        "inside.py": _INSIDE_SOURCE.read_bytes(),
        "codec.py": Path(codec_module.__file__).read_bytes(),
        "lighten.py": _LIGHTEN_SOURCE.read_bytes(),
    }


def start_kernel(limits: Limits, config: SandboxConfig) -> SandboxedKernel:
    """Start a sandboxed kernel and wait until it answers ``kernel_info``."""
    key = secrets.token_hex(16)
    inside = _connection(f"{INSIDE_IPC}/k", key)
    files = {"kernel.json": json.dumps(inside).encode(), **_kernel_sources()}
    box = sandbox_module.start([f"{INSIDE_IN}/inside.py"], files, limits, config)
    kernel = SandboxedKernel(sandbox=box, connection=_connection(str(box.ipc_dir / "k"), key))
    try:
        _wait_ready(kernel)
        box.lock_ipc()
    except BaseException:
        kernel.close()
        raise
    return kernel


def _wait_ready(kernel: SandboxedKernel) -> None:
    """Ask ``kernel_info`` over a plain (non-asyncio) socket until the kernel answers."""
    session = Session(key=kernel.connection["key"].encode(), signature_scheme="hmac-sha256")
    ctx = zmq.Context()
    sock = ctx.socket(zmq.DEALER)
    sock.setsockopt(zmq.LINGER, 0)
    sock.setsockopt(zmq.MAXMSGSIZE, 1 << 20)
    try:
        sock.connect(f"ipc://{kernel.connection['ip']}-{kernel.connection['shell_port']}")
        deadline = time.monotonic() + STARTUP_SECONDS
        request = session.msg("kernel_info_request", {})
        msg_id = request["header"]["msg_id"]
        session.send(sock, request)
        while True:
            if not kernel.alive():
                info = kernel.sandbox.exit_info()
                raise KernelStartError(
                    f"the kernel exited while starting ({info.detail}): "
                    f"{kernel.sandbox.stderr_tail().strip()[-800:]}"
                )
            if time.monotonic() > deadline:
                raise KernelStartError(f"the kernel did not start in {STARTUP_SECONDS:g} s")
            if sock.poll(50):
                _, reply = session.recv(sock)
                if reply and reply["parent_header"].get("msg_id") == msg_id:
                    return
    finally:
        sock.close(0)
        ctx.term()
