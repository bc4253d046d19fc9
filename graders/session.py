"""Run a student's notebook in the sandbox, then call its functions from outside.

    with run_notebook(nb, limits) as session:
        print(session.report.cells)
        result = session.call("rnn_cell_forward", xt, a_prev, parameters)

The session owns one event loop and drives nbclient and the call protocol on it.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import math
import secrets
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from nbformat import NotebookNode

from graders.errors import (
    CallError,
    CallTimeout,
    FunctionMissing,
    GraderError,
    KernelDied,
    StudentException,
    UnsupportedValue,
)
from graders.kernel.cells import CappedNotebookClient, reply_verdict
from graders.kernel.launch import SandboxClient, SandboxedKernel, start_kernel
from graders.limits import Limits
from graders.notebook import read_notebook
from graders.protocol import codec
from graders.report import CellReport, RunReport
from graders.sandbox.sandbox import SandboxConfig

RESULT_MIME = "application/x-markwell-result+json"
MAX_RESTARTS = 5
KernelSource = Callable[[], SandboxedKernel]


@dataclass(frozen=True)
class CallResult:
    """What a student's function returned, as plain data."""

    value: Any
    mutated: tuple[str, ...]
    """Arguments the function changed in place, by name (``parameters['Wf']``)."""
    stdout: str
    """What the function printed (capped)."""
    seconds: float


class NotebookSession:
    """A notebook executed in a sandboxed kernel, ready for calls. Use :func:`run_notebook`."""

    def __init__(
        self,
        nb: NotebookNode,
        limits: Limits,
        kernels: KernelSource,
        notebook_bytes: bytes = b"",
    ) -> None:
        self.nb = nb
        self.limits = limits
        self.report = RunReport()
        self._kernels = kernels
        self._notebook_bytes = notebook_bytes
        self._loop = asyncio.new_event_loop()
        self._kernel: SandboxedKernel | None = None
        self._kc: SandboxClient | None = None
        self._nbc: CappedNotebookClient | None = None
        self._replay: list[int] = []
        self.harness = ""
        """Source of the assignment's ``harness.py``: ``call("harness.NAME", ...)`` calls its
        ``NAME(nb, ...)`` inside the sandbox with ``nb`` the notebook's namespace."""
        self._started = time.monotonic()
        self._deadline = self._started + limits.submission_seconds

    # -- public -------------------------------------------------------------------------

    def execute(self) -> RunReport:
        """Run every code cell in order; breaches are recorded and execution carries on."""
        self._loop.run_until_complete(self._execute())
        self.report.seconds = round(time.monotonic() - self._started, 3)
        return self.report

    def call(self, name: str, *args: Any, **kwargs: Any) -> CallResult:
        """Call the notebook's ``name`` inside the sandbox and bring back plain data.

        Raises a :class:`CallError` subclass (``FunctionMissing``, ``StudentException``,
        ``CallTimeout``, ``UnsupportedValue``) or :class:`KernelDied`.
        """
        return self._loop.run_until_complete(self._call("call", name, (args, kwargs)))

    def call_many(
        self, name: str, calls: Sequence[tuple[Any, ...]]
    ) -> list[CallResult | GraderError | None]:
        """Call ``name`` once per argument tuple, in one round trip to the kernel.

        Entry ``i`` is the :class:`CallResult` of ``calls[i]``, the error that call gave
        (``StudentException``, ``CallTimeout``...), or ``None`` when the batch did not bring
        its result back (the kernel died during the batch, or an earlier call timed out):
        call that one alone with :meth:`call`. Each call gets ``call_seconds`` of its own.
        Printed output is not kept per call (``stdout`` is empty).
        """
        if not calls:
            return []
        return self._loop.run_until_complete(self._call_many(name, list(calls)))

    def functions(self) -> list[str]:
        """Names of the functions and classes the notebook defines."""
        result = self._loop.run_until_complete(self._call("functions", "", None))
        return list(result.value)

    def close(self) -> None:
        """Tear the sandbox down; nothing the notebook started survives."""
        self._drop_kernel()
        with contextlib.suppress(Exception):
            self._loop.run_until_complete(self._cancel_others())
        self._loop.close()

    # -- kernel lifecycle ---------------------------------------------------------------

    def _drop_kernel(self) -> None:
        if self._kc is not None:
            with contextlib.suppress(Exception):
                self._kc.close()
        if self._kernel is not None:
            self._kernel.close()
        self._kernel = self._kc = self._nbc = None

    def _remaining(self) -> float:
        return self._deadline - time.monotonic()

    async def _ensure_kernel(self) -> None:
        if self._kernel is not None and self._kernel.alive():
            return
        restarting = self._kernel is not None
        self._drop_kernel()
        if restarting:
            if self.report.restarts >= MAX_RESTARTS:
                raise KernelDied("crashed", f"the kernel died {MAX_RESTARTS + 1} times")
            self.report.restarts += 1
        self._kernel = self._kernels()
        self._kc = self._kernel.client(self.limits.message_bytes)
        self._kc.start_channels(hb=False)
        self._nbc = CappedNotebookClient(self.nb, self.limits, on_limit=self._kc.interrupt)
        self._nbc.kc = self._kc
        if self._notebook_bytes:
            (self._kernel.sandbox.in_dir / "submission.ipynb").write_bytes(self._notebook_bytes)
            await self._quiet('__import__("_markwell_call").receive("submission.ipynb")')
        if restarting:
            await self._replay_cells()

    async def _reconnect(self) -> None:
        """Give the live kernel a new client; its state (the student's variables) stays.

        ZeroMQ closes a connection that delivers a message over ``message_bytes`` and never
        restores it: with the old client, nothing more would arrive on iopub and every later
        cell and call would wait out its timeout.
        """
        assert self._kernel is not None and self._nbc is not None
        if self._kc is not None:
            with contextlib.suppress(Exception):
                self._kc.close()
        self._kc = self._kernel.client(self.limits.message_bytes)
        self._kc.start_channels(hb=False)
        self._nbc.kc = self._kc
        self._nbc.on_limit = self._kc.interrupt
        # Wait for the new subscription to be live, or the next cell's first messages are lost.
        deadline = time.monotonic() + 5.0
        while (left := deadline - time.monotonic()) > 0 and self._kernel.alive():
            try:
                msg = await self._kc.get_iopub_msg(timeout=min(left, 0.5))
            except Exception:  # queue.Empty
                continue
            if msg["msg_type"] == "iopub_welcome":
                return

    async def _output_persists(self) -> bool:
        """True unless the kernel is quiet once a cell that hit an output limit has ended.

        The cell's own output is all in by then (nbclient returns after the kernel's idle
        status, sent once the cell's output is flushed; a new client hears only what comes
        next). A ``kernel_info`` probe then shows whether iopub is quiet and still delivering:
        output before the probe's idle status means something still runs (a background
        thread, a child writing to the kernel's stdout), and no idle status in time means
        another oversized message dropped the connection or the kernel is still swamped.
        """
        assert self._kc is not None
        probe = self._kc.kernel_info()
        deadline = time.monotonic() + self.limits.interrupt_grace_seconds
        while time.monotonic() < deadline:
            try:
                msg = await self._kc.get_iopub_msg(timeout=0.1)
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

    async def _quiet(self, code: str) -> None:
        assert self._kc is not None
        msg_id = self._kc.execute(code, silent=True, store_history=False)
        await self._wait_reply(msg_id, 10.0)

    async def _replay_cells(self) -> None:
        """Re-run, on a fresh kernel, the cells that had completed before the breach."""
        assert self._nbc is not None
        for index in self._replay:
            cell = NotebookNode(dict(self.nb.cells[index], outputs=[]))
            if self._remaining() <= 0:
                return
            self._nbc.timeout = max(1, math.ceil(min(self.limits.cell_seconds, self._remaining())))
            self._nbc.start_cell()
            if await self._nbc.run_cell(cell, index) != "done":
                await self._cancel_others()
                return

    async def _cancel_others(self) -> None:
        """Cancel what nbclient leaves polling after a timeout or a dead kernel."""
        current = asyncio.current_task()
        others = [t for t in asyncio.all_tasks() if t is not current and not t.done()]
        for task in others:
            task.cancel()
        await asyncio.gather(*others, return_exceptions=True)

    async def _wait_reply(self, msg_id: str, timeout: float) -> dict[str, Any] | None:
        """Wait for the shell reply to ``msg_id``; ``None`` if it did not come in time."""
        assert self._kc is not None
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            if not self._kernel or not self._kernel.alive():
                return None
            try:
                msg = await self._kc.get_shell_msg(timeout=min(left, 0.5))
            except Exception:  # queue.Empty
                continue
            if msg["parent_header"].get("msg_id") == msg_id:
                return msg
        return None

    async def _stop(self, msg_id: str | None) -> bool:
        """Interrupt the running request; kill the kernel if it does not stop in time."""
        assert self._kc is not None and self._kernel is not None
        self._kc.interrupt()
        if msg_id and await self._wait_reply(msg_id, self.limits.interrupt_grace_seconds):
            pid = self._kernel.kernel_pid
            self._kernel.sandbox.kill_others(keep={pid} if pid else set())
            return True
        self._kernel.close()  # a C-level loop ignores SIGINT: the sandbox goes, with it all
        return False

    # -- cells --------------------------------------------------------------------------

    async def _execute(self) -> None:
        for index, cell in enumerate(self.nb.cells):
            if cell.cell_type != "code" or not cell.source.strip():
                continue
            if self._remaining() <= 0:
                self._skip(index, "the submission's time limit ran out before this cell")
                continue
            try:
                await self._ensure_kernel()
            except KernelDied as exc:
                self._skip(index, exc.detail)
                continue
            report = await self._run_cell(index, cell)
            self.report.cells.append(report)
            if report.status in ("ok", "error"):
                self._replay.append(index)
            elif report.status not in self.report.limits_hit:
                self.report.limits_hit.append(report.status)
        if self._kernel is None or self._remaining() <= 0:
            return
        # A last cell that killed the kernel must not hide the functions defined before it:
        # _call restarts the kernel and replays the cells that completed.
        with contextlib.suppress(CallError, KernelDied):
            self.report.functions = list((await self._call("functions", "", None)).value)

    def _skip(self, index: int, why: str) -> None:
        self.report.status = "timeout"
        self.report.cells.append(CellReport(index=index, status="skipped", detail=why))

    async def _run_cell(self, index: int, cell: NotebookNode) -> CellReport:
        assert self._nbc is not None and self._kc is not None and self._kernel is not None
        nbc, kernel = self._nbc, self._kernel
        budget = min(self.limits.cell_seconds, self._remaining())
        nbc.timeout = max(1, math.ceil(budget))
        nbc.start_cell()
        mark = kernel.mark()
        started = time.monotonic()
        status, detail = "ok", ""
        outcome = await nbc.run_cell(cell, index, count=len(self._replay) + 1)
        if outcome == "done":
            status, detail = reply_verdict(nbc.last_reply)
        else:
            await self._cancel_others()
        if outcome == "iopub-lost":
            status, detail = "output-limit", "an output message was too large to receive"
            await self._reconnect()
        elif outcome == "timeout":
            limit = "cell" if budget >= self.limits.cell_seconds else "submission"
            status = "timeout"
            detail = f"the cell ran past the {limit} time limit ({budget:.0f} s)"
            if not await self._stop(self._kc.last_execute_id):
                detail += "; it ignored the interrupt, so its kernel was restarted"
        elif outcome == "dead":
            info = kernel.exit_info(mark)
            status, detail = info.verdict, info.detail
            if info.verdict == "memory":
                detail = f"the cell used more than the memory limit; {info.detail}"
            kernel.close()
        if nbc.output_limited and status not in ("memory", "killed", "crashed"):
            status = "output-limit"
            detail = (
                f"the cell printed more than {self.limits.output_bytes_per_cell:,} bytes "
                "(or the notebook's output cap was reached), so it was stopped"
            )
        if status == "output-limit":
            if kernel.alive() and (outcome == "timeout" or await self._output_persists()):
                # Output that goes on once the cell has ended (a background thread, a child
                # writing to the kernel's stdout) would flood every later cell, and a thread
                # cannot be stopped from outside: the kernel goes, the next cell gets a new one.
                kernel.close()
            if not kernel.alive():
                detail += "; the output went on regardless, so its kernel was restarted"
        return CellReport(
            index=index,
            status=status,  # type: ignore[arg-type]
            detail=detail,
            seconds=round(time.monotonic() - started, 3),
            output_bytes=nbc.cell_output,
        )

    # -- calls --------------------------------------------------------------------------

    async def _call(self, op: str, name: str, payload: Any) -> CallResult:
        await self._ensure_kernel()
        assert self._kc is not None and self._kernel is not None
        kc, kernel = self._kc, self._kernel
        nonce = secrets.token_hex(8)
        args_file = kernel.sandbox.in_dir / f"call-{nonce}.npz"
        if op == "call":
            if name.startswith("harness."):
                self._place_harness(kernel)
            _write_args(args_file, payload)
            code = f'__import__("_markwell_call").call({name!r}, {nonce!r})'
        else:
            code = f'__import__("_markwell_call").functions({nonce!r})'
        mark = kernel.mark()
        started = time.monotonic()
        msg_id = kc.execute(code, silent=False, store_history=False, stop_on_error=False)
        collector = _CallCollector(msg_id, nonce, self.limits)
        try:
            done = await self._collect(collector, self.limits.call_seconds)
        finally:
            args_file.unlink(missing_ok=True)
        label = name or "functions()"
        if not done:
            if not kernel.alive():
                info = kernel.exit_info(mark)
                kernel.close()
                raise KernelDied(info.verdict, f"{label}: {info.detail}")
            stopped = await self._stop(msg_id)
            detail = f"did not return within {self.limits.call_seconds:g} s"
            if not stopped:
                detail += "; it ignored the interrupt, so its kernel was restarted"
            raise CallTimeout(label, detail)
        return collector.result(label, time.monotonic() - started)

    async def _call_many(
        self, name: str, calls: list[tuple[Any, ...]]
    ) -> list[CallResult | GraderError | None]:
        await self._ensure_kernel()
        assert self._kc is not None and self._kernel is not None
        kc, kernel = self._kc, self._kernel
        nonce = secrets.token_hex(8)
        args_file = kernel.sandbox.in_dir / f"call-{nonce}.npz"
        if name.startswith("harness."):
            self._place_harness(kernel)
        _write_args(args_file, [(tuple(args), {}) for args in calls])
        code = f'__import__("_markwell_call").call_many({name!r}, {nonce!r})'
        msg_id = kc.execute(code, silent=False, store_history=False, stop_on_error=False)
        collector = _CallCollector(msg_id, nonce, self.limits, count=len(calls))
        try:
            done = await self._collect(
                collector, self.limits.call_seconds, per_result=True, calls=len(calls)
            )
        finally:
            args_file.unlink(missing_ok=True)
        out: list[CallResult | GraderError | None] = []
        for index in range(len(calls)):
            out.append(collector.indexed(index, name))
        if done:
            return out
        first = next((i for i, r in enumerate(out) if r is None), None)
        if not kernel.alive():
            # Which call killed it is not known: the result of the one before may still have
            # been in flight. Every call without a result is left to be called alone.
            kernel.close()
            return out
        stopped = await self._stop(msg_id)
        detail = f"did not return within {self.limits.call_seconds:g} s"
        if not stopped:
            detail += "; it ignored the interrupt, so its kernel was restarted"
        if first is not None:
            out[first] = CallTimeout(name, detail)
        return out

    def _place_harness(self, kernel: SandboxedKernel) -> None:
        path = kernel.sandbox.in_dir / "harness.py"
        if not path.exists():  # a restarted kernel has a new input directory
            path.write_text(self.harness, encoding="utf-8")
            path.chmod(0o644)

    async def _collect(
        self,
        collector: _CallCollector,
        timeout: float,
        per_result: bool = False,
        calls: int = 1,
    ) -> bool:
        """Gather a call's messages until its reply; ``timeout`` bounds the whole call, or,
        ``per_result``, the wait for each next result of a batch."""
        assert self._kc is not None
        kc = self._kc

        async def iopub() -> None:
            while not collector.idle:
                try:
                    msg = await kc.get_iopub_msg(timeout=0.5)
                except Exception:  # queue.Empty
                    if not self._kernel or not self._kernel.alive():
                        return
                    continue
                collector.feed(msg)

        async def shell() -> None:
            collector.reply = await self._wait_reply(collector.msg_id, timeout * calls + 1)

        tasks = [asyncio.ensure_future(iopub()), asyncio.ensure_future(shell())]
        if per_result:
            pending = set(tasks)
            while pending:
                left = collector.progress_at + timeout - time.monotonic()
                if left <= 0:
                    break
                _, pending = await asyncio.wait(pending, timeout=min(left, 0.5))
        else:
            _, pending = await asyncio.wait(tasks, timeout=timeout)
        for task in pending:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        return collector.idle and collector.reply is not None


def _write_args(path: Path, payload: Any) -> None:
    skeleton, buffers = codec.encode(payload)
    arrays = {f"b{i}": np.frombuffer(b, dtype=np.uint8) for i, b in enumerate(buffers)}
    buf = io.BytesIO()
    np.savez(
        buf,
        skeleton=np.frombuffer(codec.dumps_skeleton(skeleton).encode(), dtype=np.uint8),
        count=np.array(len(buffers)),
        **arrays,
    )
    path.write_bytes(buf.getvalue())
    path.chmod(0o644)


class _CallCollector:
    """Gathers the iopub messages of one call: the result, and what was printed."""

    def __init__(self, msg_id: str, nonce: str, limits: Limits, count: int = 0) -> None:
        self.msg_id = msg_id
        self.nonce = nonce
        self.limits = limits
        self.count = count
        """Results expected from a batch (``call_many``); 0 for a single call."""
        self.results: dict[int, tuple[dict[str, Any], list[bytes]]] = {}
        self.progress_at = time.monotonic()
        self.idle = False
        self.reply: dict[str, Any] | None = None
        self.payload: dict[str, Any] | None = None
        self.buffers: list[bytes] = []
        self.stdout = io.StringIO()
        self.problem = ""

    def feed(self, msg: dict[str, Any]) -> None:
        if msg["parent_header"].get("msg_id") != self.msg_id:
            return
        kind, content = msg["msg_type"], msg["content"]
        if kind == "status" and content.get("execution_state") == "idle":
            self.idle = True
        elif kind == "stream":
            if self.stdout.tell() < self.limits.output_bytes_per_cell:
                self.stdout.write(str(content.get("text", ""))[: self.limits.output_bytes_per_cell])
        elif kind == "display_data" and RESULT_MIME in content.get("data", {}):
            self._take_result(content["data"][RESULT_MIME], msg.get("buffers") or [])
        elif kind == "error" and not self.problem:
            self.problem = f"{content.get('ename', '')}: {content.get('evalue', '')}"[:500]

    def _take_result(self, text: Any, buffers: list[Any]) -> None:
        try:
            payload = json.loads(text) if isinstance(text, str) else None
        except ValueError:
            payload = None
        if not isinstance(payload, dict) or payload.get("nonce") != self.nonce:
            return  # not ours: printed by the student, or a stale message
        if self.count:
            self._take_indexed(payload, text, buffers)
            return
        if self.payload is not None:
            self.problem = "the call published more than one result"
            return
        data = [bytes(b) for b in buffers]
        size = len(text) + sum(len(b) for b in data)
        if size > self.limits.result_bytes:
            self.problem = (
                f"the returned value is {size:,} bytes; the limit is {self.limits.result_bytes:,}"
            )
            return
        self.payload, self.buffers = payload, data

    def _take_indexed(self, payload: dict[str, Any], text: str, buffers: list[Any]) -> None:
        index = payload.get("index")
        if type(index) is not int or not -1 <= index < self.count or index in self.results:
            return
        data = [bytes(b) for b in buffers]
        size = len(text) + sum(len(b) for b in data)
        if size > self.limits.result_bytes:
            why = f"the returned value is {size:,} bytes; the limit is {self.limits.result_bytes:,}"
            payload = {"status": "too-large", "why": why}
            data = []
        self.results[index] = (payload, data)
        self.progress_at = time.monotonic()

    def indexed(self, index: int, label: str) -> CallResult | GraderError | None:
        """The outcome of call ``index`` of a batch, ``None`` if it never came."""
        found = self.results.get(-1) or self.results.get(index)
        if found is None:
            return None
        payload, buffers = found
        if payload.get("status") == "too-large":
            return UnsupportedValue(label, str(payload.get("why")))
        seconds = payload.get("seconds")
        if isinstance(seconds, (int, float)) and seconds > self.limits.call_seconds:
            return CallTimeout(label, f"did not return within {self.limits.call_seconds:g} s")
        try:
            return _call_result(payload, buffers, "", label, float(seconds or 0.0))
        except CallError as exc:
            return exc

    def result(self, label: str, seconds: float) -> CallResult:
        if self.payload is None:
            why = self.problem or "no result came back (was the call helper tampered with?)"
            if "limit is" in why:
                raise UnsupportedValue(label, why)
            raise CallError(label, why)
        return _call_result(self.payload, self.buffers, self.stdout.getvalue(), label, seconds)


def _call_result(
    payload: dict[str, Any], buffers: list[bytes], stdout: str, label: str, seconds: float
) -> CallResult:
    """A published result as a :class:`CallResult`; raises the :class:`CallError` it is."""
    status = payload.get("status")
    if status == "missing":
        raise FunctionMissing(label, str(payload.get("why", "is not defined"))[:200])
    if status == "raised":
        ename = str(payload.get("ename", "Exception"))[:200]
        evalue = str(payload.get("evalue", ""))[:2000]
        where = str(payload.get("where", ""))[:200]
        raise StudentException(label, ename, f"{evalue} ({where})" if where else evalue)
    if status != "ok":
        raise CallError(label, "malformed result")
    try:
        value = codec.decode(payload.get("value"), buffers)
    except codec.DecodeError as exc:
        raise UnsupportedValue(label, f"the returned value could not be read: {exc}") from None
    mutated = payload.get("mutated") or []
    if not isinstance(mutated, list):
        mutated = []
    return CallResult(
        value=value,
        mutated=tuple(str(m)[:200] for m in mutated[:100]),
        stdout=stdout,
        seconds=round(seconds, 4),
    )


@contextmanager
def run_notebook(
    notebook: NotebookNode | bytes | str | Path,
    limits: Limits | None = None,
    config: SandboxConfig | None = None,
    kernels: KernelSource | None = None,
) -> Iterator[NotebookSession]:
    """Execute ``notebook`` in a fresh sandboxed kernel and yield a session for calls.

    ``kernels`` supplies new kernels (a :class:`~graders.kernel.pool.KernelPool`'s
    ``acquire``); by default each one is started cold. Raises :class:`RejectedUpload` for a
    file that is not a usable notebook.
    """
    limits = limits or Limits()
    config = config or SandboxConfig()
    raw = b""
    if isinstance(notebook, NotebookNode):
        nb = notebook
    else:
        raw = Path(notebook).read_bytes() if isinstance(notebook, (str, Path)) else notebook
        nb = read_notebook(raw, limits.notebook_bytes)
    session = NotebookSession(
        nb, limits, kernels or (lambda: start_kernel(limits, config)), notebook_bytes=raw
    )
    try:
        session.execute()
        yield session
    finally:
        session.close()
