"""Is it really a picture? PNG and JPEG recognised by their structure, not by name or type.

An uploaded "image" is shown to instructors in a browser, so only two formats are kept, and
only when the whole file is well formed: a PNG header in front of HTML, an SVG renamed
``.png`` or a truncated file is no image. Written by hand to need no imaging library.
"""

from __future__ import annotations

import struct
import zlib
from typing import Literal

ImageKind = Literal["png", "jpeg"]

MAX_IMAGE_BYTES = 600_000
"""Largest image kept (decoded): a photographed or drawn answer, compressed, fits; base64
makes it about 800 KB, within a quiz's answer file."""
MIME: dict[ImageKind, str] = {"png": "image/png", "jpeg": "image/jpeg"}

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_MAX_PNG_SIDE = 20_000


def image_kind(data: bytes, limit: int = MAX_IMAGE_BYTES) -> ImageKind | None:
    """``"png"`` or ``"jpeg"`` when ``data`` is a whole, well-formed image of that format no
    larger than ``limit`` bytes; ``None`` for anything else. Never raises."""
    if not isinstance(data, bytes | bytearray) or len(data) > limit:
        return None
    data = bytes(data)
    if _is_png(data):
        return "png"
    if _is_jpeg(data):
        return "jpeg"
    return None


def _is_png(data: bytes) -> bool:
    """Signature, ``IHDR`` first (13 bytes, sane sizes), every chunk's CRC, ``IDAT``, and
    ``IEND`` last with nothing after it."""
    if not data.startswith(_PNG_SIGNATURE):
        return False
    at = len(_PNG_SIGNATURE)
    first = True
    seen_data = False
    while at + 12 <= len(data):
        (length,) = struct.unpack(">I", data[at : at + 4])
        kind = data[at + 4 : at + 8]
        end = at + 12 + length
        if length > 0x7FFFFFFF or end > len(data) or not kind.isalpha():
            return False
        body = data[at + 8 : at + 8 + length]
        (crc,) = struct.unpack(">I", data[at + 8 + length : end])
        if zlib.crc32(kind + body) != crc:
            return False
        if first:
            if kind != b"IHDR" or not _good_header(body):
                return False
            first = False
        elif kind == b"IHDR":
            return False
        seen_data = seen_data or kind == b"IDAT"
        if kind == b"IEND":
            return length == 0 and end == len(data) and seen_data
        at = end
    return False


def _good_header(body: bytes) -> bool:
    if len(body) != 13:
        return False
    width, height, depth, colour, compression, filtering, interlace = struct.unpack(
        ">IIBBBBB", body
    )
    return (
        0 < width <= _MAX_PNG_SIDE
        and 0 < height <= _MAX_PNG_SIDE
        and depth in (1, 2, 4, 8, 16)
        and colour in (0, 2, 3, 4, 6)
        and compression == 0
        and filtering == 0
        and interlace in (0, 1)
    )


# JPEG markers without a length: TEM and the restart markers RST0-7 (SOI and EOI apart).
_STANDALONE = {0x01, *range(0xD0, 0xD8)}
_SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}


def _is_jpeg(data: bytes) -> bool:
    """SOI, then well-formed marker segments with a frame header (SOF) before the first SOS,
    entropy-coded data after each SOS, and EOI as the last two bytes."""
    if not data.startswith(b"\xff\xd8") or not data.endswith(b"\xff\xd9") or len(data) < 8:
        return False
    at, end = 2, len(data) - 2
    frame = scanned = False
    while at < end:
        if data[at] != 0xFF:
            return False
        while at < end and data[at] == 0xFF:  # fill bytes before a marker
            at += 1
        if at >= end:
            return False
        marker = data[at]
        at += 1
        if marker in (0x00, 0xD8, 0xD9):
            return False  # no stuffed byte, second SOI or early EOI between segments
        if marker in _STANDALONE:
            continue
        if at + 2 > end:
            return False
        (length,) = struct.unpack(">H", data[at : at + 2])
        if length < 2 or at + length > end:
            return False
        if marker in _SOF:
            if length < 8 or not _good_frame(data[at + 2 : at + length]):
                return False
            frame = True
        at += length
        if marker == 0xDA:
            if not frame:
                return False
            scanned = True
            at = _after_scan(data, at, end)
            if at < 0:
                return False
    return at == end and frame and scanned


def _good_frame(body: bytes) -> bool:
    precision, height, width, components = struct.unpack(">BHHB", body[:6])
    return (
        precision in (8, 12, 16)
        and width > 0
        and components in (1, 2, 3, 4)
        and len(body) == 6 + 3 * components
        and height >= 0
    )


def _after_scan(data: bytes, at: int, end: int) -> int:
    """Where the marker after a scan's entropy-coded data starts (``-1``: none before EOI
    and the data is empty)."""
    start = at
    while at < end:
        if data[at] == 0xFF and at + 1 <= end:
            following = data[at + 1] if at + 1 < len(data) else None
            if following == 0x00 or (following is not None and 0xD0 <= following <= 0xD7):
                at += 2  # a stuffed 0xFF or a restart marker: still scan data
                continue
            if following == 0xFF:
                at += 1
                continue
            return at if at > start else -1
        at += 1
    return at if at > start else -1
