"""What a forked kernel must not inherit from the zygote: its random state and thread count.

Every kernel is a copy of the zygote, so every library the zygote imported holds the same
random state in every kernel: each is reseeded from the operating system here. A library the
zygote did not import starts in the kernel itself and seeds itself.
"""

from __future__ import annotations

import os
import random
import sys


def _seed() -> int:
    return int.from_bytes(os.urandom(8), "little")


def fresh_start(env: dict[str, str]) -> None:
    """Reseed the preloaded libraries and give PyTorch the sandbox's threads (``env`` is the
    kernel's environment, ``MARKWELL_THREADS`` among it)."""
    random.seed(_seed())  # already reseeded at fork by ``random`` itself; cheap to be sure
    numpy = sys.modules.get("numpy")
    if numpy is not None:
        numpy.random.seed()  # the legacy global generator; numpy.random.default_rng() is fresh
    torch = sys.modules.get("torch")
    if torch is not None:
        torch.manual_seed(_seed())
        # The zygote's OpenMP read its own environment when PyTorch loaded; tell it again.
        torch.set_num_threads(max(1, int(env.get("MARKWELL_THREADS", "1"))))
