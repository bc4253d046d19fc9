"""The ``markwell`` command."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from app.cli_output import Progress, key_line, print_result, print_summary
from app.cli_service import add_commands
from app.cli_submit import add_command as add_submit
from app.settings import Settings, get_settings
from graders import (
    Assignment,
    GraderError,
    KernelPool,
    RejectedUpload,
    Result,
    compute_keys,
    diagnose,
    diagnosis_summary,
    find_notebooks,
    grade,
    grade_answers,
    grade_folder,
    junit_xml,
    read_answers,
    run_notebook,
    scores_csv,
    validate,
)
from graders.quiz import MAX_ANSWER_FILE_BYTES


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
    settings = get_settings()
    try:
        catalog = settings.catalog()
    except GraderError as exc:
        print(f"markwell assignments: {exc}", file=sys.stderr)
        return 1
    print(
        f"{'id':<16} {'kind':<9} {'points':>6} {'checks':>6} {'mutants':>7} {'questions':>9}  title"
    )
    unavailable = []
    for assignment_id in catalog:
        a = catalog[assignment_id]
        why = _unavailable(a, settings)
        title = f"{a.title}  [unavailable: {why}]" if why else a.title
        print(
            f"{a.id:<16} {a.kind:<9} {a.max_score:>6g} {len(a.checks):>6} "
            f"{len(a.mutants):>7} {len(a.questions):>9}  {title}"
        )
        if why:
            unavailable.append(a.id)
    if unavailable:
        print(
            f"markwell assignments: unavailable here (uploads refused): {', '.join(unavailable)}",
            file=sys.stderr,
        )
    return 0


def _unavailable(assignment: Assignment, settings: Settings) -> str:
    """Why ``assignment`` cannot be graded with these settings' sandbox (``""``: it can)."""
    if assignment.kind == "quiz":
        return ""
    try:
        return assignment.unavailable(assignment.sandbox(settings.sandbox()))
    except GraderError as exc:
        return str(exc)


def _grade(args: argparse.Namespace) -> int:
    settings = get_settings()
    try:
        assignment = settings.catalog()[args.assignment]
    except GraderError as exc:
        print(f"markwell grade: {exc}", file=sys.stderr)
        return 2
    path = Path(args.file)
    if assignment.kind == "quiz":
        return _grade_quiz(args, assignment, path)
    if path.is_dir():
        return _grade_folder(args, settings, assignment, path)
    if not path.is_file():
        print(f"markwell grade: no such file or folder: {args.file}", file=sys.stderr)
        return 2
    if args.csv or args.workers:
        print("markwell grade: --csv and --workers need a folder", file=sys.stderr)
        return 2
    if path.suffix.lower() == ".json":
        print(
            f"markwell grade: {assignment.id} is a notebook assignment: give a notebook "
            f"(.ipynb); an answer file ({path.name}) is for a quiz",
            file=sys.stderr,
        )
        return 2
    result = grade(assignment, path, settings.limits(), settings.sandbox()).result
    return _show_result(result, args.json)


def _grade_quiz(args: argparse.Namespace, assignment: Assignment, path: Path) -> int:
    """Grade one answer file for a quiz, offline, as the service would."""
    if path.is_dir():
        print(
            f"markwell grade: {assignment.id} is a quiz: give one answer file (.json), "
            "not a folder",
            file=sys.stderr,
        )
        return 2
    if not path.is_file():
        print(f"markwell grade: no such file: {args.file}", file=sys.stderr)
        return 2
    if args.csv or args.workers:
        print("markwell grade: --csv and --workers need a folder of notebooks", file=sys.stderr)
        return 2
    if path.suffix.lower() == ".ipynb":
        print(
            f"markwell grade: {assignment.id} is a quiz: give an answer file (.json, "
            f'{{"answers": {{"q1": "..."}}}}), not a notebook',
            file=sys.stderr,
        )
        return 2
    size = path.stat().st_size
    try:
        if size > MAX_ANSWER_FILE_BYTES:  # not read into memory
            raise RejectedUpload(
                f"the answer file is {size:,} bytes; answer files are at most "
                f"{MAX_ANSWER_FILE_BYTES:,}"
            )
        answers = read_answers(path.read_bytes(), assignment)
    except RejectedUpload as exc:
        result = Result(assignment.id, "rejected", 0.0, assignment.max_score, reason=exc.reason)
    else:
        result = grade_answers(assignment, answers)
    return _show_result(result, args.json)


def _show_result(result: Result, as_json: bool) -> int:
    """Print one result (a table, or the JSON); the exit status of ``markwell grade``."""
    if as_json:
        print(json.dumps(result.to_json(), indent=2))
    elif result.status not in ("graded", "needs-grading"):
        print(f"markwell grade: {result.status}: {result.reason}", file=sys.stderr)
    else:
        print_result(result)
    return {"graded": 0, "needs-grading": 0, "rejected": 2}.get(result.status, 1)


def _grade_folder(
    args: argparse.Namespace, settings: Settings, assignment: Assignment, folder: Path
) -> int:
    csv_path = Path(args.csv) if args.csv else folder / "grades.csv"
    if not csv_path.parent.is_dir():
        print(f"markwell grade: no folder for the CSV: {csv_path.parent}", file=sys.stderr)
        return 2
    paths = find_notebooks(folder, exclude=[csv_path])
    if not paths:
        print(f"markwell grade: no .ipynb files in {folder}", file=sys.stderr)
        return 2
    workers = args.workers or max(1, settings.pool_size)
    with Progress(len(paths)) as progress:
        graded = grade_folder(
            assignment, paths, workers, settings.limits(), settings.sandbox(), progress.done
        )
    results = [(p.name, g.result) for p, g in graded]
    # The results go out first, so an unwritable CSV does not lose the grading run.
    if args.json:
        print(json.dumps([{"file": n, "result": r.to_json()} for n, r in results], indent=2))
    else:
        print_summary(assignment, results)
    try:
        csv_path.write_text(scores_csv(results, assignment), encoding="utf-8", newline="")
    except OSError as exc:
        print(f"markwell grade: could not write {csv_path}: {exc}", file=sys.stderr)
        return 1
    print(f"markwell grade: wrote {csv_path}", file=sys.stderr)
    return 1 if any(r.status == "error" for _, r in results) else 0


def _validate(args: argparse.Namespace) -> int:
    settings = get_settings()
    try:
        catalog = settings.catalog()
        # A quiz has no notebook to run: validated only when it has rubrics to check.
        chosen = [catalog[a] for a in args.assignments] or [
            catalog[a] for a in catalog if catalog[a].kind == "notebook" or catalog[a].rubric
        ]
    except GraderError as exc:
        print(f"markwell validate: {exc}", file=sys.stderr)
        return 2
    verdicts = []
    skipped = []
    for assignment in chosen:
        if assignment.kind == "quiz":
            for verdict in validate(assignment):
                verdicts.append(verdict)
                _print_verdict(verdict)
            continue
        why = _unavailable(assignment, settings)
        if why:
            skipped.append(assignment.id)
            print(f"[skip] {assignment.id}: {why}")
            continue
        # A pool per assignment: its limits (memory, processes) and its sandbox (preloads,
        # threads) are fixed when a kernel starts.
        limits, config = (
            assignment.limits(settings.limits()),
            assignment.sandbox(settings.sandbox()),
        )
        with KernelPool(max(1, settings.pool_size), limits, config) as pool:
            for verdict in validate(assignment, limits, config, pool.acquire):
                verdicts.append(verdict)
                _print_verdict(verdict)
    if args.junit:
        Path(args.junit).write_text(junit_xml(verdicts), encoding="utf-8")
    for line in diagnosis_summary(verdicts):
        print(f"markwell validate: {line}")
    failed = sum(not v.ok for v in verdicts)
    print(f"markwell validate: {len(verdicts) - failed} ok, {failed} failed")
    if skipped:
        print(f"markwell validate: skipped (unavailable here): {', '.join(skipped)}")
    # One asked for by name and skipped is not validated: that is no success.
    return 1 if failed or (skipped and args.assignments) else 0


def _print_verdict(verdict: Any) -> None:
    mark = "ok  " if verdict.ok else "FAIL"
    print(f"[{mark}] {verdict.assignment} {verdict.case}: {verdict.message}")


def _keys(args: argparse.Namespace) -> int:
    try:
        catalog = get_settings().catalog()
        chosen = [catalog[a] for a in args.assignments] or [
            catalog[a] for a in catalog if catalog[a].kind == "quiz"
        ]
    except GraderError as exc:
        print(f"markwell keys: {exc}", file=sys.stderr)
        return 2
    notebooks = [a.id for a in chosen if a.kind != "quiz"]
    if notebooks:
        print(f"markwell keys: not a quiz: {', '.join(notebooks)}", file=sys.stderr)
        return 2
    count = failed = 0
    for quiz in chosen:
        try:
            keys = compute_keys(quiz, catalog)
        except GraderError as exc:
            failed += 1
            print(f"[FAIL] {quiz.id}: {exc}")
            continue
        for key in keys:
            count += 1
            failed += not key.ok
            if not (key.ok and args.check):
                print(key_line(key))
    if not count and not failed:
        print("markwell keys: no computed keys")
        return 0
    print(f"markwell keys: {count} computed keys, {failed} failed")
    return 1 if failed else 0


def _doctor(args: argparse.Namespace) -> int:
    failed = 0
    for finding in diagnose(get_settings().sandbox()):
        mark = "ok  " if finding.ok else "FAIL"
        print(f"[{mark}] {finding.name}: {finding.detail}")
        if not finding.ok:
            failed += 1
            if finding.fix:
                print(f"       fix: {finding.fix}")
    if failed:
        print(f"markwell doctor: {failed} check(s) failed", file=sys.stderr)
        return 1
    print("markwell doctor: this machine can grade safely")
    return 0


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


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
    grade_cmd = sub.add_parser(
        "grade",
        help="grade a notebook, or every notebook in a folder, for an assignment; or a "
        "quiz's answer file",
    )
    grade_cmd.add_argument("assignment")
    grade_cmd.add_argument(
        "file", help="a notebook, or a folder of them; for a quiz, an answer file (.json)"
    )
    grade_cmd.add_argument("--json", action="store_true", help="print the result(s) as JSON")
    grade_cmd.add_argument(
        "--csv", help="folder only: write the scores here (default DIR/grades.csv)"
    )
    grade_cmd.add_argument(
        "--workers",
        type=_positive_int,
        help="folder only: notebooks graded at once (default MARKWELL_POOL_SIZE)",
    )
    grade_cmd.set_defaults(func=_grade)
    validate_cmd = sub.add_parser(
        "validate", help="grade every solution (full marks) and mutant (must lose marks)"
    )
    validate_cmd.add_argument("assignments", nargs="*", help="ids (default: every notebook one)")
    validate_cmd.add_argument("--junit", help="also write a JUnit XML report to this file")
    validate_cmd.set_defaults(func=_validate)
    keys_cmd = sub.add_parser(
        "keys", help="compute the quiz keys of keys.py and check them against the stored ones"
    )
    keys_cmd.add_argument("assignments", nargs="*", help="quiz ids (default: every quiz)")
    keys_cmd.add_argument(
        "--check", action="store_true", help="print only the keys that differ (for CI)"
    )
    keys_cmd.set_defaults(func=_keys)
    doctor = sub.add_parser("doctor", help="check that this machine can grade safely")
    doctor.set_defaults(func=_doctor)
    add_commands(sub)
    add_submit(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``markwell`` console script."""
    args = build_parser().parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
