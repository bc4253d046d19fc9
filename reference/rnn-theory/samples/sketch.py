"""Draw the stand-in for the seed's lost q6 sketch (an LSTM cell) as a grayscale PNG and put
it, as a data URL, into ``seed-004.answers.json``.

Only the standard library: lines, circles and a 5 x 7 bitmap font on a byte canvas, written
with zlib and struct. Run ``python reference/rnn-theory/samples/sketch.py`` to redraw it.
"""

from __future__ import annotations

import base64
import itertools
import json
import math
import struct
import zlib
from pathlib import Path

WIDTH, HEIGHT = 520, 300
INK, PAPER = 0, 255

# 5 x 7 glyphs, drawn at twice their size; "s" is the sigma of the sigmoid gates.
FONT = {
    "c": [".....", ".....", ".###.", "#....", "#....", "#....", ".###."],
    "t": [".#...", ".#...", "###..", ".#...", ".#...", ".#..#", "..##."],
    "(": ["..#..", ".#...", "#....", "#....", "#....", ".#...", "..#.."],
    ")": ["..#..", "...#.", "....#", "....#", "....#", "...#.", "..#.."],
    "-": [".....", ".....", ".....", "#####", ".....", ".....", "....."],
    "1": ["..#..", ".##..", "..#..", "..#..", "..#..", "..#..", ".###."],
    "h": ["#....", "#....", "#.##.", "##..#", "#...#", "#...#", "#...#"],
    "x": [".....", ".....", "#...#", ".#.#.", "..#..", ".#.#.", "#...#"],
    "y": [".....", ".....", "#...#", "#...#", ".####", "....#", ".###."],
    "f": ["..##.", ".#..#", ".#...", "###..", ".#...", ".#...", ".#..."],
    "i": ["..#..", ".....", ".##..", "..#..", "..#..", "..#..", ".###."],
    "g": [".....", ".....", ".####", "#...#", ".####", "....#", ".###."],
    "o": [".....", ".....", ".###.", "#...#", "#...#", "#...#", ".###."],
    "a": [".....", ".....", ".###.", "....#", ".####", "#...#", ".####"],
    "n": [".....", ".....", "#.##.", "##..#", "#...#", "#...#", "#...#"],
    "s": [".....", ".....", ".####", "#..#.", "#...#", "#...#", ".###."],
    " ": ["....."] * 7,
}


class Canvas:
    """A grayscale image, one byte per pixel."""

    def __init__(self, width: int, height: int) -> None:
        self.width, self.height = width, height
        self.pixels = bytearray([PAPER]) * (width * height)

    def dot(self, x: int, y: int, size: int = 2) -> None:
        for dy in range(size):
            for dx in range(size):
                px, py = x + dx, y + dy
                if 0 <= px < self.width and 0 <= py < self.height:
                    self.pixels[py * self.width + px] = INK

    def line(self, x0: int, y0: int, x1: int, y1: int) -> None:
        steps = max(abs(x1 - x0), abs(y1 - y0), 1)
        for k in range(steps + 1):
            self.dot(round(x0 + (x1 - x0) * k / steps), round(y0 + (y1 - y0) * k / steps))

    def path(self, *points: tuple[int, int]) -> None:
        for (x0, y0), (x1, y1) in itertools.pairwise(points):
            self.line(x0, y0, x1, y1)

    def arrow(self, *points: tuple[int, int]) -> None:
        """A path whose last segment (horizontal or vertical) ends in an arrowhead."""
        self.path(*points)
        (x0, y0), (x1, y1) = points[-2], points[-1]
        dx, dy = (x1 > x0) - (x1 < x0), (y1 > y0) - (y1 < y0)
        for k in range(1, 7):
            self.dot(x1 - dx * k - dy * k, y1 - dy * k - dx * k)
            self.dot(x1 - dx * k + dy * k, y1 - dy * k + dx * k)

    def box(self, x0: int, y0: int, x1: int, y1: int) -> None:
        self.path((x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0))

    def circle(self, cx: int, cy: int, r: int) -> None:
        for k in range(360):
            t = math.radians(k)
            self.dot(round(cx + r * math.cos(t)), round(cy + r * math.sin(t)), 1)

    def times(self, cx: int, cy: int) -> None:
        """The element-wise product: a circled x."""
        self.circle(cx, cy, 10)
        self.line(cx - 6, cy - 6, cx + 6, cy + 6)
        self.line(cx - 6, cy + 6, cx + 6, cy - 6)

    def plus(self, cx: int, cy: int) -> None:
        """The element-wise sum: a circled +."""
        self.circle(cx, cy, 10)
        self.line(cx - 7, cy, cx + 7, cy)
        self.line(cx, cy - 7, cx, cy + 7)

    def text(self, x: int, y: int, words: str) -> None:
        for n, char in enumerate(words):
            for row, bits in enumerate(FONT[char]):
                for col, bit in enumerate(bits):
                    if bit == "#":
                        self.dot(x + n * 12 + col * 2, y + row * 2)

    def png(self) -> bytes:
        rows = b"".join(
            b"\x00" + bytes(self.pixels[y * self.width : (y + 1) * self.width])
            for y in range(self.height)
        )

        def chunk(kind: bytes, data: bytes) -> bytes:
            crc = zlib.crc32(kind + data) & 0xFFFFFFFF
            return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

        header = struct.pack(">IIBBBBB", self.width, self.height, 8, 0, 0, 0, 0)
        return (
            b"\x89PNG\r\n\x1a\n"
            + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(rows, 9))
            + chunk(b"IEND", b"")
        )


def lstm_cell() -> Canvas:
    """The cell: c along the top, h and x entering at the bottom, four layers, three gates."""
    c = Canvas(WIDTH, HEIGHT)
    c.box(88, 40, 420, 255)
    # Cell state: c(t-1) -> x f -> + (i x g) -> c(t).
    c.text(4, 48, "c(t-1)")
    c.arrow((20, 70), (140, 70))
    c.times(150, 70)
    c.arrow((160, 70), (220, 70))
    c.plus(230, 70)
    c.arrow((240, 70), (512, 70))
    c.text(466, 48, "c(t)")
    # h(t-1) and x(t) join into the bus that feeds the four layers.
    c.text(4, 238, "h(t-1)")
    c.path((20, 230), (110, 230))
    c.text(118, 276, "x(t)")
    c.path((110, 292), (110, 230), (320, 230))
    for centre, label, name in (
        (150, "s", "f"),
        (200, "s", "i"),
        (255, "tanh", "g"),
        (310, "s", "o"),
    ):
        width = 26 if label == "tanh" else 14
        c.box(centre - width, 172, centre + width, 200)
        c.text(centre - 12 * len(label) // 2 + 1, 180, label)
        c.text(centre - width - 14, 204, name)
        c.arrow((centre, 230), (centre, 200))
    # Gates and candidate into the cell state.
    c.arrow((150, 172), (150, 80))
    c.arrow((200, 172), (200, 120), (220, 120))
    c.arrow((255, 172), (255, 120), (240, 120))
    c.times(230, 120)
    c.arrow((230, 110), (230, 80))
    # Output: o x tanh(c(t)) -> h(t), also y(t).
    c.arrow((380, 70), (380, 100))
    c.box(354, 100, 406, 124)
    c.text(357, 106, "tanh")
    c.arrow((380, 124), (380, 150))
    c.times(380, 160)
    c.arrow((310, 172), (310, 160), (370, 160))
    c.path((380, 170), (380, 230))
    c.arrow((380, 230), (512, 230))
    c.text(466, 238, "h(t)")
    c.arrow((446, 230), (446, 92))
    c.text(456, 96, "y(t)")
    return c


def main() -> None:
    png = lstm_cell().png()
    answers_file = Path(__file__).with_name("seed-004.answers.json")
    document = json.loads(answers_file.read_text(encoding="utf-8"))
    url = "data:image/png;base64," + base64.b64encode(png).decode("ascii")
    document["answers"]["q6"]["image"] = url
    text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    answers_file.write_text(text, encoding="utf-8")
    print(f"{len(png):,} bytes of PNG in {answers_file.name}")


if __name__ == "__main__":
    main()
