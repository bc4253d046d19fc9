"""A started kernel together with the clients that talk to it: what a session holds while it
has a kernel, and the requests every use of it needs (wait for a reply, stop, reconnect)."""

from __future__ import annotations

import contextlib
import time
from typing import Any

from nbformat import NotebookNode

from graders.kernel.cells import CappedNotebookClient
from graders.kernel.launch import SandboxClient, SandboxedKernel
from graders.limits import Limits


class LiveKernel:
    """A sandboxed kernel, its message client and the notebook client that runs cells on it.

    Made for one kernel and dropped with it: a restarted kernel gets a new ``LiveKernel``.
    """

    def __init__(self, kernel: SandboxedKernel, nb: NotebookNode, limits: Limits) -> None:
        self.kernel = kernel
        self.limits = limits
        self.client = self._connect()
        self.cells = CappedNotebookClient(nb, limits, on_limit=self.client.interrupt)
        self.cells.kc = self.client

    def _connect(self) -> SandboxClient:
        client = self.kernel.client(self.limits.message_bytes)
        client.start_channels(hb=False)
        return client

    def alive(self) -> bool:
        return self.kernel.alive()

    def close(self) -> None:
        """Disconnect and tear the kernel's sandbox down."""
        with contextlib.suppress(Exception):
            self.client.close()
        self.kernel.close()

    async def reconnect(self) -> None:
        """Give the live kernel a new client; its state (the student's variables) stays.

        ZeroMQ closes a connection that delivers a message over ``message_bytes`` and never
        restores it: with the old client, nothing more would arrive on iopub and every later
        cell and call would wait out its timeout.
        """
        with contextlib.suppress(Exception):
            self.client.close()
        self.client = self._connect()
        self.cells.kc = self.client
        self.cells.on_limit = self.client.interrupt
        # Wait for the new subscription to be live, or the next cell's first messages are lost.
        deadline = time.monotonic() + 5.0
        while (left := deadline - time.monotonic()) > 0 and self.kernel.alive():
            try:
                msg = await self.client.get_iopub_msg(timeout=min(left, 0.5))
            except Exception:  # queue.Empty
                continue
            if msg["msg_type"] == "iopub_welcome":
                return

    async def output_persists(self) -> bool:
        """True unless the kernel is quiet once a cell that hit an output limit has ended.

        The cell's own output is all in by then (nbclient returns after the kernel's idle
        status, sent once the cell's output is flushed; a new client hears only what comes
        next). A ``kernel_info`` probe then shows whether iopub is quiet and still delivering:
        output before the probe's idle status means something still runs (a background
        thread, a child writing to the kernel's stdout), and no idle status in time means
        another oversized message dropped the connection or the kernel is still swamped.
        """
        probe = self.client.kernel_info()
        deadline = time.monotonic() + self.limits.interrupt_grace_seconds
        while time.monotonic() < deadline:
            try:
                msg = await self.client.get_iopub_msg(timeout=0.1)
            except Exception:  # queue.Empty
                continue
            kind = msg["msg_type"]
            if kind in ("stream", "display_data", "update_display_data", "error"):
                return True
            if (
                kind == "status"
                and msg["parent_header"].get("msg_id") == probe
                and msg["content"].get("execution_state") == "idle"
            ):
                return False
        return True

    async def quiet(self, code: str) -> None:
        """Run grader code that shows nothing (no history, no output kept)."""
        msg_id = self.client.execute(code, silent=True, store_history=False)
        await self.wait_reply(msg_id, 10.0)

    async def wait_reply(self, msg_id: str, timeout: float) -> dict[str, Any] | None:
        """Wait for the shell reply to ``msg_id``; ``None`` if it did not come in time."""
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            if not self.kernel.alive():
                return None
            try:
                msg: dict[str, Any] = await self.client.get_shell_msg(timeout=min(left, 0.5))
            except Exception:  # queue.Empty
                continue
            if msg["parent_header"].get("msg_id") == msg_id:
                return msg
        return None

    async def stop(self, msg_id: str | None) -> bool:
        """Interrupt the running request; kill the kernel if it does not stop in time."""
        self.client.interrupt()
        if msg_id and await self.wait_reply(msg_id, self.limits.interrupt_grace_seconds):
            pid = self.kernel.kernel_pid
            self.kernel.sandbox.kill_others(keep={pid} if pid else set())
            return True
        self.kernel.close()  # a C-level loop ignores SIGINT: the sandbox goes, with it all
        return False
