"""The student's raw outputs as kept for re-judging: size-capped, and as bytes for a database.

``grade`` keeps, for every case, the seed its inputs came from and what the student's function
returned, so :func:`graders.evaluate` can judge the submission again after the instructor fixes
a reference, a tolerance or the points, without running student code. :func:`capped` bounds how
much of that is kept; :func:`dump_runs` / :func:`load_runs` turn it into bytes and back (an
``.npz`` of plain arrays and a JSON skeleton: loading never unpickles).
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Sequence
from dataclasses import asdict, replace
from typing import Any

import numpy as np

from graders.judge.runs import Case, CheckRun
from graders.protocol import codec
from graders.protocol.codec import Opaque

FORMAT = 1


def _size(value: Any) -> tuple[dict[str, Any], list[bytes], int]:
    skeleton, buffers = codec.encode(value)
    return skeleton, buffers, len(codec.dumps_skeleton(skeleton)) + sum(map(len, buffers))


def _describe(value: Any) -> str:
    if isinstance(value, np.ndarray):
        return f"array of shape {value.shape} and dtype {value.dtype}"
    if isinstance(value, (tuple, list, dict)):
        return f"{type(value).__name__} of {len(value)} items"
    return type(value).__name__


def capped(runs: Sequence[CheckRun], max_bytes: int) -> tuple[CheckRun, ...]:
    """``runs`` with outputs past ``max_bytes`` (all cases together, in check order) replaced
    by an :class:`~graders.Opaque` that describes them: a re-judge then fails that case, as a
    value that large could not have matched a reference of the assignment's sizes. A composed
    value past the cap (``graders.judge.carried``) is dropped, with its helpers' names."""
    left = max_bytes
    out = []
    for run in runs:
        cases = []
        for case in run.cases:
            if case.verdict is None:
                size = _size(case.got)[2]
                if size > left:
                    why = f"{size:,} bytes, past the {max_bytes:,}-byte cap on kept outputs"
                    case = replace(case, got=Opaque(_describe(case.got), why))
                else:
                    left -= size
            if case.composed_with:
                size = _size(case.composed)[2]
                if size > left:  # only feedback rests on it: drop it rather than keep a stub
                    case = replace(case, composed=None, composed_with=())
                else:
                    left -= size
            cases.append(case)
        out.append(replace(run, cases=tuple(cases)))
    return tuple(out)


def _value(value: Any) -> tuple[dict[str, Any], list[bytes]]:
    """A kept value's JSON skeleton and its buffers (an :class:`Opaque` as a description)."""
    if isinstance(value, Opaque):
        skeleton = {"t": "opaque", "type": value.type_name, "why": value.why}
        return {**skeleton, "preview": value.preview}, []
    skeleton, buffers, _ = _size(value)
    return skeleton, buffers


def dump_runs(runs: Sequence[CheckRun]) -> bytes:
    """Bytes that :func:`load_runs` turns back into equal runs."""
    arrays: dict[str, Any] = {}  # Any: as arrays, **arrays would be checked against allow_pickle
    meta = []
    for r, run in enumerate(runs):
        cases = []
        for c, case in enumerate(run.cases):
            fields = asdict(case)
            fields.pop("got")
            fields.pop("composed")
            skeleton, buffers = _value(case.got)
            for i, buf in enumerate(buffers):
                arrays[f"r{r}c{c}b{i}"] = np.frombuffer(buf, dtype=np.uint8)
            fields.update(got=skeleton, buffers=len(buffers))
            if case.composed_with:
                skeleton, buffers = _value(case.composed)
                for i, buf in enumerate(buffers):
                    arrays[f"r{r}c{c}k{i}"] = np.frombuffer(buf, dtype=np.uint8)
                fields.update(composed=skeleton, composed_buffers=len(buffers))
            cases.append(fields)
        meta.append({"function": run.function, "cases": cases})
    text = json.dumps({"format": FORMAT, "runs": meta}).encode()
    out = io.BytesIO()
    np.savez_compressed(out, meta=np.frombuffer(text, dtype=np.uint8), **arrays)
    return out.getvalue()


def load_runs(data: bytes) -> tuple[CheckRun, ...]:
    """The runs :func:`dump_runs` wrote; ``ValueError`` for bytes it did not write."""
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as z:
            doc = json.loads(bytes(z["meta"]).decode())
            if doc.get("format") != FORMAT:
                raise ValueError(f"unknown stored-runs format {doc.get('format')!r}")
            runs = []
            for r, run in enumerate(doc["runs"]):
                cases = []
                for c, fields in enumerate(run["cases"]):
                    count = int(fields.pop("buffers"))
                    buffers = [z[f"r{r}c{c}b{i}"].tobytes() for i in range(count)]
                    got = codec.decode(fields.pop("got"), buffers)
                    if "composed" in fields:
                        count = int(fields.pop("composed_buffers"))
                        buffers = [z[f"r{r}c{c}k{i}"].tobytes() for i in range(count)]
                        fields["composed"] = codec.decode(fields["composed"], buffers)
                    # Runs kept before error carried forward have neither field.
                    fields["composed_with"] = tuple(map(str, fields.get("composed_with", ())))
                    fields["mutated"] = tuple(fields["mutated"])
                    fields["own_gradient"] = tuple(
                        (str(k), None if v is None else float(v)) for k, v in fields["own_gradient"]
                    )
                    cases.append(Case(got=got, **fields))
                runs.append(CheckRun(run["function"], tuple(cases)))
    except (KeyError, TypeError, EOFError, OSError, zipfile.BadZipFile, codec.DecodeError) as exc:
        raise ValueError(f"not stored runs: {exc}") from exc
    return tuple(runs)
