"""The call protocol, grader side: send a call to the kernel's helper, read its reply.

The arguments go in as a file in the sandbox's input directory (``call-<nonce>.args``, see
:func:`write_args`); the helper (``graders.kernel.inside``) publishes each result as one
``display_data`` message of type :data:`RESULT_MIME` carrying the nonce, with the arrays in
its buffers. A batch (:func:`call_batch`) carries many calls, of any functions, in one request,
and its results come back one by one with their index. Nothing the kernel sends is trusted: a
message without the nonce, a second result or one over the size limit is not a result.
"""

from __future__ import annotations

import asyncio
import io
import json
import secrets
import struct
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from graders.errors import (
    CallError,
    CallTimeout,
    FunctionMissing,
    GraderError,
    KernelDied,
    StudentException,
    UnsupportedValue,
)
from graders.kernel.launch import SandboxedKernel
from graders.kernel.live import LiveKernel
from graders.limits import Limits
from graders.protocol import codec

RESULT_MIME = "application/x-markwell-result+json"
RESULT_DELAY = 0.05
"""Seconds a batch's result may be held in the kernel to go with the next ones (the
helper's ``BATCH_SECONDS``, with room to spare): the wait for each result allows for it."""

Call = tuple[str, tuple[Any, ...]]
"""One call of a batch: the function's name (``harness.NAME`` for the harness) and its
arguments."""


@dataclass(frozen=True)
class CallResult:
    """What a student's function returned, as plain data."""

    value: Any
    mutated: tuple[str, ...]
    """Arguments the function changed in place, by name (``parameters['Wf']``)."""
    stdout: str
    """What the function printed (capped)."""
    seconds: float


async def call(live: LiveKernel, op: str, name: str, payload: Any, harness: str) -> CallResult:
    """Make one request of the helper: ``call`` ``name`` with ``payload`` (``(args, kwargs)``)
    or list the notebook's ``functions``. Raises :class:`CallError` or :class:`KernelDied`."""
    kernel, limits = live.kernel, live.limits
    nonce = secrets.token_hex(8)
    args_file = kernel.sandbox.in_dir / f"call-{nonce}.args"
    if op == "call":
        if name.startswith("harness."):
            place_harness(kernel, harness)
        write_args(args_file, payload)
        code = f'__import__("_markwell_call").call({name!r}, {nonce!r})'
    else:
        code = f'__import__("_markwell_call").functions({nonce!r})'
    mark = kernel.mark()
    started = time.monotonic()
    msg_id = live.client.execute(code, silent=False, store_history=False, stop_on_error=False)
    collector = CallCollector(msg_id, nonce, limits)
    try:
        done = await collect(live, collector, limits.call_seconds)
    finally:
        args_file.unlink(missing_ok=True)
    label = name or "functions()"
    if not done:
        if not kernel.alive():
            info = kernel.exit_info(mark)
            kernel.close()
            raise KernelDied(info.verdict, f"{label}: {info.detail}")
        raise CallTimeout(label, await _stopped(live, msg_id))
    return collector.result(label, time.monotonic() - started)


async def call_batch(
    live: LiveKernel, calls: Sequence[Call], harness: str
) -> list[CallResult | GraderError | None]:
    """Make every call in one request; ``None`` for a call whose result did not come back
    (see :meth:`graders.session.NotebookSession.call_batch`)."""
    kernel, limits = live.kernel, live.limits
    nonce = secrets.token_hex(8)
    args_file = kernel.sandbox.in_dir / f"call-{nonce}.args"
    if any(name.startswith("harness.") for name, _ in calls):
        place_harness(kernel, harness)
    write_args(args_file, [(name, tuple(args), {}) for name, args in calls])
    code = f'__import__("_markwell_call").call_batch({nonce!r})'
    msg_id = live.client.execute(code, silent=False, store_history=False, stop_on_error=False)
    collector = CallCollector(msg_id, nonce, limits, count=len(calls))
    try:
        done = await collect(
            live, collector, limits.call_seconds, per_result=True, calls=len(calls)
        )
    finally:
        args_file.unlink(missing_ok=True)
    out = [collector.indexed(index, name) for index, (name, _) in enumerate(calls)]
    if done:
        return out
    if not kernel.alive():
        # Which call killed it is not known: the results of the ones before may still have
        # been held or in flight. Every call without a result is left to be called alone.
        kernel.close()
        return out
    if not await live.stop(msg_id):
        # Killed, as it ignored the interrupt: with it went the results it still held, so
        # which call hung is not known either. Alone, the one that hangs shows itself.
        return out
    # The interrupted helper sent the results it held before it stopped.
    await _drain(live, collector)
    out = [collector.indexed(index, name) for index, (name, _) in enumerate(calls)]
    first = next((i for i, r in enumerate(out) if r is None), None)
    if first is not None:
        out[first] = CallTimeout(calls[first][0], _timeout_detail(live, stopped=True))
    return out


async def _drain(live: LiveKernel, collector: CallCollector) -> None:
    """Feed ``collector`` what its request still sent, until its idle status."""
    deadline = time.monotonic() + live.limits.interrupt_grace_seconds
    while not collector.idle and (left := deadline - time.monotonic()) > 0:
        try:
            msg = await live.client.get_iopub_msg(timeout=min(left, 0.5))
        except Exception:  # queue.Empty
            continue
        collector.feed(msg)


async def _stopped(live: LiveKernel, msg_id: str) -> str:
    """Stop a call that ran out of time; the detail of its timeout."""
    return _timeout_detail(live, await live.stop(msg_id))


def _timeout_detail(live: LiveKernel, stopped: bool) -> str:
    detail = f"did not return within {live.limits.call_seconds:g} s"
    if not stopped:
        detail += "; it ignored the interrupt, so its kernel was restarted"
    return detail


def place_harness(kernel: SandboxedKernel, harness: str) -> None:
    """Put the assignment's ``harness.py`` where the helper loads it from."""
    path = kernel.sandbox.in_dir / "harness.py"
    if not path.exists():  # a restarted kernel has a new input directory
        path.write_text(harness, encoding="utf-8")
        path.chmod(0o644)


async def collect(
    live: LiveKernel,
    collector: CallCollector,
    timeout: float,
    per_result: bool = False,
    calls: int = 1,
) -> bool:
    """Gather a call's messages until its reply; ``timeout`` bounds the whole call, or,
    ``per_result``, the wait for each next result of a batch."""
    client, kernel = live.client, live.kernel

    async def iopub() -> None:
        while not collector.idle:
            try:
                msg = await client.get_iopub_msg(timeout=0.5)
            except Exception:  # queue.Empty
                if not kernel.alive():
                    return
                continue
            collector.feed(msg)

    async def shell() -> None:
        collector.reply = await live.wait_reply(collector.msg_id, timeout * calls + 1)

    tasks = [asyncio.ensure_future(iopub()), asyncio.ensure_future(shell())]
    if per_result:
        pending = set(tasks)
        while pending:
            left = collector.progress_at + timeout + RESULT_DELAY - time.monotonic()
            if left <= 0:
                break
            _, pending = await asyncio.wait(pending, timeout=min(left, 0.5))
    else:
        _, pending = await asyncio.wait(tasks, timeout=timeout)
    for task in pending:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    return collector.idle and collector.reply is not None


def write_args(path: Path, payload: Any) -> None:
    """Write a call's arguments where the helper reads them (read-only to the sandbox).

    The file is the JSON header's length (8 bytes, little-endian), the header (the codec's
    skeleton and each buffer's size), then the buffers back to back: one read and a slice
    per array inside, where an ``.npz`` cost a zip member and a parsed header per array.
    """
    skeleton, buffers = codec.encode(payload)
    header = json.dumps(
        {"skeleton": skeleton, "sizes": [len(b) for b in buffers]}, separators=(",", ":")
    ).encode()
    path.write_bytes(b"".join([struct.pack("<Q", len(header)), header, *buffers]))
    path.chmod(0o644)


class CallCollector:
    """Gathers the iopub messages of one call: the result, and what was printed."""

    def __init__(self, msg_id: str, nonce: str, limits: Limits, count: int = 0) -> None:
        self.msg_id = msg_id
        self.nonce = nonce
        self.limits = limits
        self.count = count
        """Results expected from a batch (``call_batch``); 0 for a single call."""
        self.results: dict[int, tuple[dict[str, Any], list[bytes]]] = {}
        self.progress_at = time.monotonic()
        self.idle = False
        self.reply: dict[str, Any] | None = None
        self.payload: dict[str, Any] | None = None
        self.buffers: list[bytes] = []
        self.stdout = io.StringIO()
        self.problem = ""

    def feed(self, msg: dict[str, Any]) -> None:
        """Take one iopub message (any: those of other requests are ignored)."""
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
            self._take_batch(payload, text, buffers)
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

    def _take_batch(self, payload: dict[str, Any], text: str, buffers: list[Any]) -> None:
        """Take the results of one message of a batch (``inside.call_batch``)."""
        entries = payload.get("results")
        if not isinstance(entries, list):
            return
        data = [bytes(b) for b in buffers]
        # Each result within the limit unless the whole message is not.
        whole = len(text) + sum(len(b) for b in data) <= self.limits.result_bytes
        start = 0
        for entry in entries:
            count = entry.get("buffers") if isinstance(entry, dict) else None
            if type(count) is not int or not 0 <= count <= len(data) - start:
                return  # malformed: what follows cannot be told apart
            own = data[start : start + count]
            start += count
            size = None if whole else len(json.dumps(entry)) + sum(len(b) for b in own)
            self._take_indexed(entry, own, size)
        self.progress_at = time.monotonic()

    def _take_indexed(self, payload: dict[str, Any], data: list[bytes], size: int | None) -> None:
        index = payload.get("index")
        if type(index) is not int or not 0 <= index < self.count or index in self.results:
            return
        if size is not None and size > self.limits.result_bytes:
            why = f"the returned value is {size:,} bytes; the limit is {self.limits.result_bytes:,}"
            payload = {"status": "too-large", "why": why}
            data = []
        self.results[index] = (payload, data)

    def indexed(self, index: int, label: str) -> CallResult | GraderError | None:
        """The outcome of call ``index`` of a batch, ``None`` if it never came."""
        found = self.results.get(index)
        if found is None:
            return None
        payload, buffers = found
        if payload.get("status") == "too-large":
            return UnsupportedValue(label, str(payload.get("why")))
        seconds = payload.get("seconds")
        if isinstance(seconds, (int, float)) and seconds > self.limits.call_seconds:
            return CallTimeout(label, f"did not return within {self.limits.call_seconds:g} s")
        try:
            return call_result(payload, buffers, "", label, float(seconds or 0.0))
        except CallError as exc:
            return exc

    def result(self, label: str, seconds: float) -> CallResult:
        """The outcome of a single call; raises the :class:`CallError` it is."""
        if self.payload is None:
            why = self.problem or "no result came back (was the call helper tampered with?)"
            if "limit is" in why:
                raise UnsupportedValue(label, why)
            raise CallError(label, why)
        return call_result(self.payload, self.buffers, self.stdout.getvalue(), label, seconds)


def call_result(
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
