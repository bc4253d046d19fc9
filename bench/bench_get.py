"""``GET /api/v1/submissions/{id}`` side by side: this checkout against another one (an older
commit, say), alternating, so both meet the same machine.

    .venv/bin/python bench/bench_get.py --other /path/to/checkout [--rounds 3] [--seconds 10]

Each round starts ``markwell serve`` on a fresh SQLite database for each checkout in turn,
grades one rnn-numpy solution, then drives the GET with wrk (2 threads, 16 connections) as
``bench_service.py`` does. Prints each figure, the medians and their ratio; writes
``bench/results_get.json``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_service import ROOT, get_throughput, serve


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--other", type=Path, help="another checkout, with its own .venv")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--out", default=str(ROOT / "bench" / "results_get.json"))
    args = parser.parse_args()
    sides = {"this": (ROOT, sys.executable)}
    if args.other is not None:
        other = args.other.resolve()
        sides["other"] = (other, str(other / ".venv" / "bin" / "python"))
    figures: dict[str, list[float]] = {name: [] for name in sides}
    for round_ in range(args.rounds):
        for name, (root, python) in sides.items():
            with serve("sqlite", "embedded", root=root, python=python) as server:
                rps = get_throughput(server, args.seconds)["requests_per_second"]
            figures[name].append(rps)
            print(f"round {round_ + 1} {name}: {rps:.0f} requests/s", flush=True)
    result: dict[str, object] = {
        "sides": {name: str(root) for name, (root, _) in sides.items()},
        "requests_per_second": figures,
        "median": {name: statistics.median(values) for name, values in figures.items()},
    }
    if "other" in figures:
        ratio = statistics.median(figures["this"]) / statistics.median(figures["other"])
        result["ratio_this_to_other"] = ratio
        print(f"median this / other: {ratio:.2f}")
    Path(args.out).write_text(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
