"""nbclient, adapted to untrusted notebooks: output caps and the verdict of a cell's reply.

This is the one module that knows nbclient's errors; it maps them to our verdicts.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbformat import NotebookNode

from graders.limits import Limits, human_bytes


def _message_bytes(msg: dict[str, Any]) -> int:
    content = msg.get("content", {})
    kind = msg.get("msg_type")
    if kind == "stream":
        return len(content.get("text", ""))
    if kind in ("display_data", "execute_result", "update_display_data"):
        return sum(len(str(v)) for v in content.get("data", {}).values())
    if kind == "error":
        return sum(len(line) for line in content.get("traceback", []))
    return 0


class CappedNotebookClient(NotebookClient):
    """A NotebookClient that stops recording a cell's output past the caps and asks for the
    cell to be interrupted (``on_limit``) the moment a cap is crossed."""

    def __init__(self, nb: NotebookNode, limits: Limits, on_limit: Callable[[], None]) -> None:
        super().__init__(
            nb,
            allow_errors=True,
            interrupt_on_timeout=False,
            raise_on_iopub_timeout=True,
            iopub_timeout=10,
            record_timing=False,
        )
        self.limits = limits
        self.on_limit = on_limit
        self.notebook_output = 0
        self.cell_output = 0
        self.output_limited = False
        self.last_reply: dict[str, Any] | None = None
        self.on_cell_executed = self._remember_reply

    def _remember_reply(self, **kwargs: Any) -> None:
        self.last_reply = kwargs.get("execute_reply")

    async def run_cell(self, cell: NotebookNode, index: int, count: int | None = None) -> str:
        """Execute one cell; return ``done``, ``timeout``, ``iopub-lost`` or ``dead``."""
        try:
            await self.async_execute_cell(cell, index, execution_count=count)
        except CellTimeoutError as exc:
            return "iopub-lost" if "IOPub" in str(exc) else "timeout"
        except DeadKernelError:
            return "dead"
        return "done"

    def start_cell(self) -> None:
        """Reset the per-cell counters before a cell runs."""
        self.cell_output = 0
        self.output_limited = False
        self.last_reply = None

    def process_message(
        self, msg: dict[str, Any], cell: NotebookNode, cell_index: int
    ) -> NotebookNode | None:
        size = _message_bytes(msg)
        if size:
            self.cell_output += size
            if not self.output_limited and (
                self.cell_output > self.limits.output_bytes_per_cell
                or self.notebook_output + size > self.limits.output_bytes_per_notebook
            ):
                self.output_limited = True
                cell.outputs.append(
                    NotebookNode(  # type: ignore[no-untyped-call]  # nbformat is unannotated
                        output_type="stream",
                        name="stderr",
                        text="[markwell: output limit reached; the cell was stopped]\n",
                    )
                )
                self.on_limit()
            if self.output_limited:
                return None
            # Only what is recorded counts against the notebook's cap: the output a stopped
            # cell kept printing was dropped, and counting it would stop every later cell
            # that prints anything.
            self.notebook_output += size
        return super().process_message(msg, cell, cell_index)


ALLOCATOR_FAILED = "DefaultCPUAllocator: can't allocate memory"
"""PyTorch's words when the address-space limit refuses a tensor (a ``RuntimeError``)."""
THREAD_FAILED = "can't start new thread"


def reply_verdict(reply: dict[str, Any] | None, limits: Limits | None = None) -> tuple[str, str]:
    """Map an ``execute_reply`` to ``(status, detail)``; ``limits`` (the kernel's) are named
    in the detail of a cell stopped by one."""
    if reply is None:
        return "ok", ""
    content = reply.get("content", {})
    if content.get("status") != "error":
        return "ok", ""
    ename, evalue = str(content.get("ename", "")), str(content.get("evalue", ""))
    detail = f"{ename}: {evalue}" if evalue else ename
    if ename == "MemoryError" or (ename == "RuntimeError" and ALLOCATOR_FAILED in evalue):
        if limits is None:
            return "memory", f"the cell ran out of memory ({detail[:500]})"
        limit = human_bytes(limits.memory_bytes)
        return "memory", f"the cell ran out of memory (limit {limit}): {detail[:500]}"
    if ename == "RuntimeError" and THREAD_FAILED in evalue and limits is not None:
        tasks = f"{limits.processes} tasks: processes and threads"
        return "error", f"{detail[:500]} (the sandbox's task limit is {tasks})"
    return "error", detail[:1000]
