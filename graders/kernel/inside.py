"""The program that runs *inside* the sandbox: it starts an IPython kernel and installs the
call helper the grader talks to.

This file is copied into the sandbox's read-only input directory and run there with the
sandbox's Python; it must import nothing from ``graders``. The codec arrives beside it.

The helper is the module ``_markwell_call`` (in ``sys.modules``, not in the student's
namespace). The grader executes ``__import__("_markwell_call").call("name", "nonce")``; the
helper reads the arguments from ``call-<nonce>.args``, calls the student's function, and
publishes one ``display_data`` message of type ``application/x-markwell-result+json`` whose
buffers hold the arrays; ``call_batch("nonce")`` makes every call of a batch, publishing each
result with its index. Nothing here is trusted by the grader: a student who breaks the helper
only breaks their own results.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import inspect
import json
import os
import sys
import time
import types

TYPE_CHECKING = False
if TYPE_CHECKING:  # for annotations only: the kernel imports as little as it can
    from collections.abc import Callable
    from types import TracebackType
    from typing import Any

IN_DIR = os.path.dirname(os.path.abspath(__file__))
MIME = "application/x-markwell-result+json"

os.environ.pop("JPY_PARENT_PID", None)  # inside a pid namespace the "parent" looks dead

import numpy as np  # noqa: E402  (warm import: the point of a pre-started kernel)

for _name in os.environ.get("MARKWELL_PRELOAD", "").split(","):
    if _name.strip():
        __import__(_name.strip())


def _beside(name: str, filename: str) -> types.ModuleType:
    """A module the grader placed beside this file (the codec, ``lighten.py``)."""
    spec = importlib.util.spec_from_file_location(name, os.path.join(IN_DIR, filename))
    if spec is None or spec.loader is None:
        raise ImportError(f"{filename} is missing beside inside.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


codec = _beside("_markwell_codec", "codec.py")

_sha256, _json_loads, _json_dumps = hashlib.sha256, json.loads, json.dumps
_monotonic = time.monotonic
_encode, _decode = codec.encode, codec.decode


def _publish(payload: dict[str, Any], buffers: Any = ()) -> None:
    kernel = _state["kernel"]
    content = {"data": {MIME: _json_dumps(payload)}, "metadata": {}, "transient": {}}
    kernel.session.send(
        kernel.iopub_socket,
        "display_data",
        content,
        parent=kernel.get_parent("shell"),
        buffers=list(buffers),
    )


def _leaves(value: Any, path: str, out: dict[str, str]) -> dict[str, str]:
    t = type(value)
    if t is np.ndarray:
        h = _sha256(value.dtype.str.encode() + repr(value.shape).encode())
        if value.dtype.kind != "O":
            h.update(np.ascontiguousarray(value).tobytes())
        out[path] = h.hexdigest()
    elif t is dict:
        for k, v in value.items():
            _leaves(v, f"{path}[{k!r}]", out)
    elif t in (list, tuple):
        for i, v in enumerate(value):
            _leaves(v, f"{path}[{i}]", out)
    return out


_signatures: dict[int, tuple[Any, inspect.Signature]] = {}
"""Each called function's signature, worked out once: a batch calls each function often."""


def _arg_names(
    fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]
) -> list[tuple[str, Any]]:
    try:
        known = _signatures.get(id(fn))
        if known is None or known[0] is not fn:
            known = _signatures[id(fn)] = (fn, inspect.signature(fn))
        bound = known[1].bind(*args, **kwargs)
        return list(bound.arguments.items())
    except (TypeError, ValueError):
        return [(f"argument {i + 1}", a) for i, a in enumerate(args)] + list(kwargs.items())


def _student_line(tb: TracebackType | None) -> str:
    where = ""
    while tb is not None:
        name = tb.tb_frame.f_code.co_filename
        if name.startswith("<ipython-input") or "ipykernel_" in name:
            where = f"line {tb.tb_lineno} of {tb.tb_frame.f_code.co_name}"
        tb = tb.tb_next
    return where


def _read_args(nonce: str) -> Any:
    """The payload the grader wrote (``graders.kernel.calls.write_args``)."""
    with open(os.path.join(IN_DIR, f"call-{nonce}.args"), "rb") as f:
        data = f.read()
    end = 8 + int.from_bytes(data[:8], "little")
    header = _json_loads(data[8:end])
    buffers = []
    for size in header["sizes"]:
        buffers.append(data[end : end + size])
        end += size
    return _decode(header["skeleton"], buffers)


def _resolve(name: str) -> tuple[Callable[..., Any] | None, str]:
    """The function called ``name``, or why there is none."""
    if name.startswith("harness."):
        fn = _harness_function(name[len("harness.") :])
    else:
        fn = _state["shell"].user_ns.get(name)
    if fn is None:
        return None, "is not defined"
    if not callable(fn):
        return None, f"is a {type(fn).__name__}, not a function"
    return fn, ""


def _invoke(
    fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]
) -> tuple[dict[str, Any], Any]:
    """Call ``fn``; the payload to publish (without its nonce) and its buffers."""
    named = _arg_names(fn, args, kwargs)
    before: dict[str, str] = {}
    for arg, value in named:
        _leaves(value, arg, before)
    started = _monotonic()
    try:
        out = fn(*args, **kwargs)
    except KeyboardInterrupt:
        raise
    except BaseException as exc:  # SystemExit too: the student's exit() must not end the call
        try:
            evalue = str(exc)[:2000]
        except Exception:
            evalue = "<str() of the exception raised>"
        payload = {
            "status": "raised",
            "ename": type(exc).__name__[:200],
            "evalue": evalue,
            "where": _student_line(exc.__traceback__),
        }
        return payload, ()
    seconds = _monotonic() - started
    after: dict[str, str] = {}
    for arg, value in named:
        _leaves(value, arg, after)
    mutated = [path for path, digest in before.items() if after.get(path) != digest]
    skeleton, buffers = _encode(out)
    return {"status": "ok", "value": skeleton, "mutated": mutated, "seconds": seconds}, buffers


def call(name: str, nonce: str) -> None:
    """Call the student's ``name`` with the arguments in ``call-<nonce>.npz``; publish."""
    args, kwargs = _read_args(nonce)
    fn, why = _resolve(name)
    if fn is None:
        return _publish({"nonce": nonce, "status": "missing", "why": why})
    payload, buffers = _invoke(fn, args, kwargs)
    _publish({"nonce": nonce, **payload}, buffers)


BATCH_SECONDS = 0.02
"""How long a batch's results may wait to be published together (``calls.RESULT_DELAY``)."""
BATCH_BYTES = 1 << 20


def call_batch(nonce: str) -> None:
    """Make each ``(name, args, kwargs)`` call in the file, publishing the results as they
    come, several to a message (each with its ``index`` and how many buffers are its own),
    so one slow or crashing call loses only itself.

    A message per result cost both ends more than most calls take; results wait at most
    ``BATCH_SECONDS`` (and an interrupted call sends those before it stops).
    """
    held: list[dict[str, Any]] = []
    held_buffers: list[Any] = []
    held_bytes, since = 0, 0.0

    def publish() -> None:
        nonlocal held, held_buffers, held_bytes
        if held:
            _publish({"nonce": nonce, "results": held}, held_buffers)
            held, held_buffers, held_bytes = [], [], 0

    try:
        for index, (name, args, kwargs) in enumerate(_read_args(nonce)):
            if held and _monotonic() - since >= BATCH_SECONDS:
                publish()
            fn, why = _resolve(name)
            buffers: Any = ()
            if fn is None:
                entry = {"status": "missing", "why": why}
            else:
                entry, buffers = _invoke(fn, args, kwargs)
            if not held:
                since = _monotonic()
            held.append({"index": index, "buffers": len(buffers), **entry})
            held_buffers.extend(buffers)
            held_bytes += sum(len(b) for b in buffers)
            if held_bytes >= BATCH_BYTES:
                publish()
    finally:
        publish()


class _Notebook:
    """The notebook's namespace as a harness function sees it: ``nb.forward``, ``nb.Parameters``."""

    __slots__ = ()

    def __getattr__(self, name: str) -> Any:
        try:
            return _state["shell"].user_ns[name]
        except KeyError:
            raise AttributeError(f"the notebook does not define {name}") from None


def _harness_function(name: str) -> Callable[..., Any] | None:
    """A function of the assignment's ``harness.py``, bound to the notebook's namespace.

    The harness adapts a call the judge makes with plain data (a dict of weights) to what the
    student's code takes (their own ``Parameters`` object); it is loaded on first use.
    """
    harness = _state.get("harness")
    if harness is None:
        path = os.path.join(IN_DIR, "harness.py")
        harness = {"__name__": "_markwell_harness", "__file__": path}
        with open(path, encoding="utf-8") as f:
            exec(compile(f.read(), path, "exec"), harness)
        _state["harness"] = harness
    fn = harness.get(name)
    if not callable(fn):
        return None
    return functools.partial(fn, _Notebook())


def functions(nonce: str) -> None:
    """Publish the names of the functions and classes the notebook defined."""
    shell = _state["shell"]
    hidden = shell.user_ns_hidden
    names = sorted(
        k
        for k, v in shell.user_ns.items()
        if not k.startswith("_")
        and k not in hidden
        and (inspect.isfunction(v) or inspect.isclass(v))
        and getattr(v, "__module__", None) == "__main__"
    )
    _publish(
        {
            "nonce": nonce,
            "status": "ok",
            "value": {"t": "list", "v": [{"t": "str", "v": n} for n in names]},
            "mutated": [],
        }
    )


def receive(filename: str) -> None:
    """Copy a file the grader placed in the input directory into the working directory."""
    with open(os.path.join(IN_DIR, filename), "rb") as src, open(filename, "wb") as dst:
        dst.write(src.read())


_state: dict[str, Any] = {}
_helper = types.ModuleType("_markwell_call")
vars(_helper).update(call=call, call_batch=call_batch, functions=functions, receive=receive)
sys.modules["_markwell_call"] = _helper


def main() -> None:
    from ipykernel.iostream import OutStream
    from ipykernel.kernelapp import IPKernelApp

    class Stream(OutStream):
        """An ipykernel output stream whose ``flush`` returns at once when nothing was written.

        ipykernel's waits for its I/O thread on every flush, with or without output: four
        times per cell, each a wake-up of that thread. What a stream wrote before its
        flush is still sent before the cell's idle status, which takes the same thread.
        """

        def flush(self) -> None:
            if self._flush_pending or self._subprocess_flush_pending:
                super().flush()  # type: ignore[no-untyped-call]

    class Stderr(Stream):
        """``sys.stderr``, leaving fd 2 the sandbox's own stderr, which the grader reads.

        ipykernel would point fd 2 at a pipe that a thread of this process forwards: what is
        still in that pipe when the process dies (libgomp's "Thread creation failed" just
        before its ``exit``) would die with it, and the grader could not say why.
        """

        def fileno(self) -> int:
            return 2

    # ipykernel's own signatures are unannotated, hence the ignores.
    def output_stream(session: Any, pub_thread: Any, name: str, **kwargs: Any) -> OutStream:
        if name == "stderr":
            kwargs["watchfd"] = False
            return Stderr(session, pub_thread, name, **kwargs)  # type: ignore[no-untyped-call]
        return Stream(session, pub_thread, name, **kwargs)  # type: ignore[no-untyped-call]

    vars(_helper)["output_stream"] = output_stream
    app = IPKernelApp.instance()
    app.initialize(  # type: ignore[no-untyped-call]
        [
            "-f",
            os.path.join(IN_DIR, "kernel.json"),
            "--HistoryManager.enabled=False",
            "--InteractiveShell.colors=nocolor",
            "--IPKernelApp.parent_handle=0",
            "--IPKernelApp.outstream_class=_markwell_call.output_stream",
        ]
    )
    _state["kernel"] = app.kernel
    _state["shell"] = app.shell
    _beside("_markwell_lighten", "lighten.py").lighten(app)
    app.start()  # type: ignore[no-untyped-call]


if __name__ == "__main__":
    main()
