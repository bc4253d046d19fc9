"""A dead kernel's last words: the lines it wrote to stderr during the request that killed it,
cleaned to be shown to the student (the sandbox keeps the last few kilobytes of its stderr)."""

from __future__ import annotations

import re
import unicodedata

LAST_WORDS_LINES = 3
LAST_WORDS_LINE_CHARS = 160
_TASK_LIMIT_WORDS = (
    "Thread creation failed",  # libgomp (PyTorch's and NumPy's OpenMP)
    "pthread_create",  # OpenBLAS and others name the call that failed
    "Resource temporarily unavailable",  # EAGAIN: what clone and fork say at the task limit
    "can't start new thread",  # CPython
)
"""What a kernel that died at the task limit says about it in its last words."""
_ESCAPE = re.compile(r"\x1b(\[[0-9;?]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)?|.)")
"""Terminal escape sequences: CSI (colours, cursor), OSC (titles), and two-byte ones."""


def written_since(before: str, after: str) -> str:
    """What was appended to a capped tail that read ``before`` and now reads ``after``.

    The tail keeps only its last bytes, so ``before`` may have lost its start: the old part
    of ``after`` is then the longest end of ``before`` that ``after`` begins with.
    """
    if after.startswith(before):
        return after[len(before) :]
    for old in range(min(len(before), len(after)), 0, -1):
        if before.endswith(after[:old]):
            return after[old:]
    return after


def last_lines(text: str) -> str:
    """The last few non-blank lines of ``text`` as one short line that is safe to show: no
    escape sequences or control characters, each line and the count capped."""
    lines = []
    for raw in reversed(text.splitlines()):
        line = _ESCAPE.sub("", raw)
        line = "".join(" " if unicodedata.category(c)[0] == "C" else c for c in line)
        line = " ".join(line.split())
        if not line:
            continue
        if len(line) > LAST_WORDS_LINE_CHARS:
            line = line[: LAST_WORDS_LINE_CHARS - 3] + "..."
        lines.append(line)
        if len(lines) == LAST_WORDS_LINES:
            break
    return " | ".join(reversed(lines))


def hit_task_limit(words: str) -> bool:
    """Whether last words say the kernel could not start a thread or process (the sandbox's
    task limit, ``Limits.processes``, is what stops it there)."""
    return any(sign in words for sign in _TASK_LIMIT_WORDS)
