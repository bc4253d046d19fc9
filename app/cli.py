"""The ``markwell`` command."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from app.settings import get_settings
from graders import GraderError, RejectedUpload, run_notebook
from graders.doctor import run_checks


def _run(args: argparse.Namespace) -> int:
    settings = get_settings()
    limits = settings.limits()
    if args.cell_timeout:
        limits = limits.with_overrides(cell_seconds=args.cell_timeout)
    try:
        with run_notebook(args.file, limits, settings.sandbox()) as session:
            report = session.report
    except RejectedUpload as exc:
        print(f"markwell run: rejected: {exc.reason}", file=sys.stderr)
        return 2
    except FileNotFoundError:
        print(f"markwell run: no such file: {args.file}", file=sys.stderr)
        return 2
    except GraderError as exc:
        print(f"markwell run: {exc}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(report.to_json(), indent=2))
        return 0
    # People count cells from 1; the JSON keeps nbformat's 0-based index.
    print(f"{'cell':>4}  {'status':<12} {'seconds':>7}  detail")
    for cell in report.cells:
        print(f"{cell.index + 1:>4}  {cell.status:<12} {cell.seconds:>7.2f}  {cell.detail}")
    print(f"functions: {', '.join(report.functions) or '(none)'}")
    print(
        f"limits hit: {', '.join(report.limits_hit) or 'none'}; kernel restarts: "
        f"{report.restarts}; {report.seconds:.2f} s"
    )
    return 0


def _doctor(args: argparse.Namespace) -> int:
    failed = 0
    for check in run_checks(get_settings().sandbox()):
        mark = "ok  " if check.ok else "FAIL"
        print(f"[{mark}] {check.name}: {check.detail}")
        if not check.ok:
            failed += 1
            if check.fix:
                print(f"       fix: {check.fix}")
    if failed:
        print(f"markwell doctor: {failed} check(s) failed", file=sys.stderr)
        return 1
    print("markwell doctor: this machine can grade safely")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every ``markwell`` subcommand."""
    parser = argparse.ArgumentParser(prog="markwell", description="Markwell auto-grader")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="execute a notebook in the sandbox and report each cell")
    run.add_argument("file")
    run.add_argument("--json", action="store_true", help="print the report as JSON")
    run.add_argument("--cell-timeout", type=float, help="seconds per cell (default 30)")
    run.set_defaults(func=_run)
    doctor = sub.add_parser("doctor", help="check that this machine can grade safely")
    doctor.set_defaults(func=_doctor)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``markwell`` console script."""
    args = build_parser().parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
