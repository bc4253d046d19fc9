"""The grader's session reads a kernel's messages as jupyter_client does, but for the
headers' dates, which stay the strings they were sent as; signatures are still checked."""

from __future__ import annotations

import pytest
import zmq
from jupyter_client.session import Session

from graders.kernel.wire import PlainDateSession

KEY = b"a-key"


def _wire(sender: Session, msg_type: str = "status", content: dict | None = None) -> list:
    msg = sender.msg(msg_type, content or {"execution_state": "idle"})
    frames = sender.serialize(msg)
    _, frames = sender.feed_identities(frames)
    return frames


def test_a_message_reads_as_jupyter_client_reads_it_but_for_the_dates():
    sender = Session(key=KEY)
    frames = _wire(sender, "stream", {"name": "stdout", "text": "hi"})
    ours = PlainDateSession(key=KEY).deserialize(list(frames))
    theirs = Session(key=KEY).deserialize(list(frames))
    assert ours["content"] == theirs["content"] == {"name": "stdout", "text": "hi"}
    assert ours["msg_id"] == theirs["msg_id"] and ours["msg_type"] == "stream"
    assert isinstance(ours["header"]["date"], str)
    assert ours["header"]["date"].startswith(str(theirs["header"]["date"].year))
    assert {k: v for k, v in ours["header"].items() if k != "date"} == {
        k: v for k, v in theirs["header"].items() if k != "date"
    }


def test_a_message_with_a_wrong_or_reused_signature_is_refused():
    sender = Session(key=KEY)
    frames = _wire(sender)
    with pytest.raises(ValueError, match="Invalid Signature"):
        PlainDateSession(key=b"another-key").deserialize(list(frames))
    reader = PlainDateSession(key=KEY)
    reader.deserialize(list(frames))
    with pytest.raises(ValueError, match="Duplicate Signature"):
        reader.deserialize(list(frames))
    with pytest.raises(ValueError, match="Unsigned"):
        PlainDateSession(key=KEY).deserialize([b"", *frames[1:]])


def test_a_message_of_too_few_frames_is_refused():
    with pytest.raises(TypeError, match="malformed"):
        PlainDateSession(key=KEY).deserialize([b"x", b"{}"])


def test_zero_copy_frames_and_buffers_are_read():
    sender = Session(key=KEY)
    msg = sender.msg("display_data", {"data": {}, "metadata": {}})
    frames = [*sender.serialize(msg), b"buffer-bytes"]
    _, frames = sender.feed_identities(frames)
    read = PlainDateSession(key=KEY).deserialize([zmq.Frame(f) for f in frames], copy=False)
    assert read["msg_type"] == "display_data"
    assert [bytes(b) for b in read["buffers"]] == [b"buffer-bytes"]
