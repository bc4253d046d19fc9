"""Why a function was not called or did not return: the cell that should have defined it
failed, or the submission's time limit ended the notebook first."""

from __future__ import annotations

import re
from dataclasses import replace

from graders.judge.feedback import NEVER_RAN, RESTART_TOO_LATE, never_ran, stopped_note
from graders.judge.runs import Case
from graders.session import NotebookSession

__all__ = ["cut_short", "explained", "failed_definer"]


def failed_definer(session: NotebookSession, name: str) -> str:
    """Why ``name`` is missing when the cell that defines it failed: "cell 7, which defines
    it, ran past the cell time limit (30 s)"; ``""`` when no failed cell defines it."""
    sources = [str(cell.get("source", "")) for cell in session.nb.cells]
    cell = session.report.breach_defining(sources, name)
    if cell is None:
        return ""
    where = f"cell {cell.index + 1}, which defines it,"
    if cell.detail.startswith("the cell "):  # "the cell ran past the cell time limit (30 s)"
        return f"{where} {cell.detail.removeprefix('the cell ')}"
    return f"{where} {_CELL_FAILURE.get(cell.status, 'failed')}: {cell.detail}"


_UNDEFINED = re.compile(r"NameError: name '(\w+)' is not defined")

_CELL_FAILURE = {
    "timeout": "hit its time limit",
    "memory": "ran out of memory",
    "output-limit": "printed too much",
    "killed": "was killed",
    "crashed": "crashed its kernel",
    "error": "raised an error before the definition",
}


def cut_short(session: NotebookSession) -> str:
    """Why cells that would have run did not, when the submission's time limit is to blame."""
    return session.report.stopped or (RESTART_TOO_LATE if session.replay_cut else "")


def explained(session: NotebookSession, function: str, cases: list[Case]) -> tuple[Case, ...]:
    """The cases, told why the run ended early when the submission's time limit ended it."""
    why, out = cut_short(session), []
    for case in cases:
        undefined = _UNDEFINED.search(case.detail) if case.verdict == "error" else None
        if undefined and undefined[1] not in session.report.functions:
            # It called a function of the notebook that a failed cell did not get to define.
            failed = failed_definer(session, undefined[1])
            if failed:
                case = replace(case, detail=f"{case.detail}; {undefined[1]} {NEVER_RAN}: {failed}")
        if case.verdict == "missing":
            if why and NEVER_RAN not in case.detail:
                case = replace(case, detail=never_ran(function, function, why))
        elif session.report.stopped:
            case = replace(case, note=stopped_note(session.report.stopped))
        out.append(case)
    return tuple(out)
