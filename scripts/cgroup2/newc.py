"""Write a directory as a gzip'd newc cpio archive (an initramfs), with /dev/console in it.

The host may have no cpio; the kernel reads this format (``070701`` headers, 4-byte padding).
Usage: ``python3 newc.py DIR OUT``.
"""

import gzip
import os
import stat
import sys
from pathlib import Path


def entry(name: str, mode: int, data: bytes = b"", rdev: tuple[int, int] = (0, 0)) -> bytes:
    entry.ino = getattr(entry, "ino", 0) + 1
    raw = name.encode() + b"\0"
    fields = [entry.ino, mode, 0, 0, 1, 0, len(data), 0, 0, *rdev, len(raw), 0]
    head = b"070701" + b"".join(f"{f:08x}".encode() for f in fields) + raw
    pad = lambda b: b + b"\0" * (-len(b) % 4)  # noqa: E731
    return pad(head) + pad(data)


def main(root: Path, out: Path) -> None:
    parts = [
        entry("dev", stat.S_IFDIR | 0o755),
        entry("dev/console", stat.S_IFCHR | 0o600, rdev=(5, 1)),
    ]
    for path in sorted(root.rglob("*")):
        name = str(path.relative_to(root))
        mode = path.stat().st_mode
        if path.is_dir():
            parts.append(entry(name, stat.S_IFDIR | 0o755))
        else:
            parts.append(entry(name, stat.S_IFREG | (mode & 0o777), path.read_bytes()))
    parts.append(entry("TRAILER!!!", 0))
    out.write_bytes(gzip.compress(b"".join(parts), 1))


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
    os.sync()
