"""The grader's end of the Jupyter wire protocol: a session that reads messages more cheaply.

jupyter_client parses every ISO date in every header it receives (a regex per string, then
dateutil), which was the largest share of the grader's CPU while a notebook runs: a grade
receives about 120 messages. Nothing here reads those dates, so they stay strings.
"""

from __future__ import annotations

from hmac import compare_digest
from typing import Any

from jupyter_client.adapter import adapt
from jupyter_client.session import Session

FRAMES = 5
"""A message's frames after its routing identities: signature, header, parent header,
metadata, content (buffers follow)."""


class PlainDateSession(Session):
    """A :class:`Session` whose received headers keep their dates as strings."""

    def deserialize(
        self, msg_list: list[Any], content: bool = True, copy: bool = True
    ) -> dict[str, Any]:
        """Check a received message's signature and unpack it (``Session.deserialize``'s
        contract, dates left as sent)."""
        if len(msg_list) < FRAMES:
            raise TypeError(f"malformed message: {len(msg_list)} frames, at least {FRAMES}")
        if not copy:  # zero-copy frames: the ones unpacked here must be bytes
            msg_list = [bytes(frame.bytes) for frame in msg_list[:FRAMES]] + list(msg_list[FRAMES:])
        if self.auth is not None:
            self._check_signature(msg_list, keep=content)
        header = self.unpack(msg_list[1])
        message: dict[str, Any] = {
            "header": header,
            "msg_id": header["msg_id"],
            "msg_type": header["msg_type"],
            "parent_header": self.unpack(msg_list[2]),
            "metadata": self.unpack(msg_list[3]),
            "content": self.unpack(msg_list[4]) if content else msg_list[4],
            "buffers": [memoryview(_bytes(b)) for b in msg_list[FRAMES:]],
        }
        return dict(adapt(message))

    def _check_signature(self, msg_list: list[Any], keep: bool) -> None:
        signature = msg_list[0]
        if not signature:
            raise ValueError("Unsigned Message")
        if signature in self.digest_history:
            raise ValueError(f"Duplicate Signature: {signature!r}")
        if keep:  # as jupyter_client does: a peek at a message does not use its signature up
            self._add_digest(signature)
        if not compare_digest(signature, self.sign(msg_list[1:FRAMES])):
            raise ValueError(f"Invalid Signature: {signature!r}")


def _bytes(frame: Any) -> bytes | memoryview:
    return frame if isinstance(frame, (bytes, memoryview)) else bytes(frame.bytes)
