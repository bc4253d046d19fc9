"""Only a whole, well-formed PNG or JPEG is an image: forged and truncated files are not."""

from __future__ import annotations

import struct
import zlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from graders.freetext import MAX_IMAGE_BYTES, image_kind
from tests.freetext.fixtures import jpeg_bytes, png_bytes

SIGNATURE = b"\x89PNG\r\n\x1a\n"


def chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def test_real_png_and_jpeg_files_are_recognised():
    assert image_kind(png_bytes()) == "png"
    assert image_kind(jpeg_bytes()) == "jpeg"
    assert image_kind(jpeg_bytes(progressive=True)) == "jpeg"
    assert image_kind(jpeg_bytes((640, 480))) == "jpeg"


def test_a_png_header_in_front_of_html_is_no_image():
    assert image_kind(SIGNATURE + b"<html><script>alert(1)</script></html>") is None
    header = chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
    assert image_kind(SIGNATURE + header + b"<script>alert(1)</script>") is None


def test_an_svg_named_png_is_no_image():
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    assert image_kind(svg) is None


@pytest.mark.parametrize("make", [png_bytes, jpeg_bytes])
def test_a_truncated_file_is_no_image(make):
    data = make()
    for cut in (1, 2, 12, len(data) // 2):
        assert image_kind(data[:-cut]) is None, cut


def test_a_png_with_a_wrong_crc_or_data_after_its_end_is_no_image():
    data = bytearray(png_bytes())
    data[30] ^= 0xFF  # inside IHDR's body: its CRC no longer matches
    assert image_kind(bytes(data)) is None
    assert image_kind(png_bytes() + b"<html>") is None


def test_a_png_whose_first_chunk_is_not_its_header_is_no_image():
    header = chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
    body = chunk(b"IDAT", zlib.compress(b"\x00\x00\x00\x00")) + chunk(b"IEND", b"")
    assert image_kind(SIGNATURE + header + body) == "png"
    assert image_kind(SIGNATURE + chunk(b"tEXt", b"a\x00b") + header + body) is None
    assert image_kind(SIGNATURE + header + chunk(b"IEND", b"")) is None  # no image data


def test_a_jpeg_with_html_between_its_markers_is_no_image():
    data = jpeg_bytes()
    assert image_kind(data[:2] + b"<html>" + data[2:]) is None
    assert image_kind(b"\xff\xd8<html><script>alert(1)</script></html>\xff\xd9") is None
    assert image_kind(data + b"<html>") is None


def test_a_jpeg_without_a_frame_or_scan_is_no_image():
    comment = b"\xff\xfe" + struct.pack(">H", 7) + b"hello"
    assert image_kind(b"\xff\xd8" + comment + b"\xff\xd9") is None


def test_an_image_over_the_cap_is_refused():
    data = png_bytes()
    assert image_kind(data, limit=len(data) - 1) is None
    assert image_kind(b"\x00" * (MAX_IMAGE_BYTES + 1)) is None


def test_anything_else_is_no_image_and_never_raises():
    for data in (b"", b"\x89", SIGNATURE, b"\xff\xd8\xff\xd9", b"GIF89a", bytes(range(256))):
        assert image_kind(data) is None
    assert image_kind("not bytes") is None  # type: ignore[arg-type]


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_a_damaged_real_image_never_makes_the_check_raise(data):
    original = data.draw(st.sampled_from([png_bytes(), jpeg_bytes()]))
    at = data.draw(st.integers(0, len(original) - 1))
    junk = data.draw(st.binary(max_size=8))
    damaged = original[:at] + junk + original[at + data.draw(st.integers(0, 8)) :]
    kind = image_kind(damaged)
    assert kind in (None, "png", "jpeg")
    if damaged == original:
        assert kind is not None


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=200))
def test_random_bytes_are_no_image(data):
    assert image_kind(b"\x89PNG\r\n\x1a\n" + data) is None
    assert image_kind(data) is None
