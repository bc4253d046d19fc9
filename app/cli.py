"""The ``markwell`` command."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from app.settings import get_settings
from graders import GraderError, KernelPool, RejectedUpload, Result, grade, run_notebook
from graders.doctor import run_checks
from graders.validate import junit_xml, validate


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


def _assignments(args: argparse.Namespace) -> int:
    try:
        catalog = get_settings().catalog()
    except GraderError as exc:
        print(f"markwell assignments: {exc}", file=sys.stderr)
        return 1
    print(f"{'id':<16} {'kind':<9} {'points':>6} {'checks':>6} {'mutants':>7}  title")
    for assignment_id in catalog:
        a = catalog[assignment_id]
        print(
            f"{a.id:<16} {a.kind:<9} {a.max_score:>6g} {len(a.checks):>6} "
            f"{len(a.mutants):>7}  {a.title}"
        )
    return 0


def _grade(args: argparse.Namespace) -> int:
    settings = get_settings()
    try:
        assignment = settings.catalog()[args.assignment]
    except GraderError as exc:
        print(f"markwell grade: {exc}", file=sys.stderr)
        return 2
    path = Path(args.file)
    if not path.is_file():
        print(f"markwell grade: no such file: {args.file}", file=sys.stderr)
        return 2
    result = grade(assignment, path, settings.limits(), settings.sandbox()).result
    if args.json:
        print(json.dumps(result.to_json(), indent=2))
    elif result.status != "graded":
        print(f"markwell grade: {result.status}: {result.reason}", file=sys.stderr)
    else:
        print_result(result)
    return {"graded": 0, "rejected": 2}.get(result.status, 1)


def _validate(args: argparse.Namespace) -> int:
    settings = get_settings()
    try:
        catalog = settings.catalog()
        chosen = [catalog[a] for a in args.assignments] or [
            catalog[a] for a in catalog if catalog[a].kind == "notebook"
        ]
    except GraderError as exc:
        print(f"markwell validate: {exc}", file=sys.stderr)
        return 2
    verdicts = []
    for assignment in chosen:
        # A pool per assignment: its limits (memory, processes) are fixed when a kernel starts.
        limits = assignment.limits(settings.limits())
        with KernelPool(max(1, settings.pool_size), limits, settings.sandbox()) as pool:
            for verdict in validate(assignment, limits, settings.sandbox(), pool.acquire):
                verdicts.append(verdict)
                mark = "ok  " if verdict.ok else "FAIL"
                print(f"[{mark}] {verdict.assignment} {verdict.case}: {verdict.message}")
    if args.junit:
        Path(args.junit).write_text(junit_xml(verdicts), encoding="utf-8")
    failed = sum(not v.ok for v in verdicts)
    print(f"markwell validate: {len(verdicts) - failed} ok, {failed} failed")
    return 1 if failed else 0


def print_result(result: Result) -> None:
    """The table a student reads: test, points, status and one line of feedback."""
    width = max([len(t.name) for t in result.tests] + [4])
    print(f"{'test':<{width}}  {'points':>11}  {'status':<8} feedback")
    for t in result.tests:
        points = f"{t.score:g}/{t.max_score:g}"
        print(f"{t.name:<{width}}  {points:>11}  {t.status:<8} {t.feedback}")
    print(f"{result.assignment}: {result.score:g}/{result.max_score:g}")


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
    assignments = sub.add_parser("assignments", help="list the assignment catalog")
    assignments.set_defaults(func=_assignments)
    grade_cmd = sub.add_parser("grade", help="grade a notebook for an assignment")
    grade_cmd.add_argument("assignment")
    grade_cmd.add_argument("file")
    grade_cmd.add_argument("--json", action="store_true", help="print the result as JSON")
    grade_cmd.set_defaults(func=_grade)
    validate_cmd = sub.add_parser(
        "validate", help="grade every solution (full marks) and mutant (must lose marks)"
    )
    validate_cmd.add_argument("assignments", nargs="*", help="ids (default: every notebook one)")
    validate_cmd.add_argument("--junit", help="also write a JUnit XML report to this file")
    validate_cmd.set_defaults(func=_validate)
    doctor = sub.add_parser("doctor", help="check that this machine can grade safely")
    doctor.set_defaults(func=_doctor)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``markwell`` console script."""
    args = build_parser().parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
