"""`markwell run` and `markwell doctor` on this machine, with real sandboxes."""

from __future__ import annotations

import json
from pathlib import Path

from app.cli import main
from app.settings import get_settings

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "infinite_loop.ipynb"


def test_run_reports_timeout_for_the_looping_cell_and_runs_the_rest(capsys, monkeypatch):
    monkeypatch.setenv("MARKWELL_CELL_SECONDS", "2")
    get_settings.cache_clear()
    try:
        assert main(["run", str(EXAMPLE), "--json"]) == 0
    finally:
        get_settings.cache_clear()
    report = json.loads(capsys.readouterr().out)
    by_index = {c["index"]: c for c in report["cells"]}
    assert by_index[3]["status"] == "timeout"  # the fourth cell: `while True: pass`
    assert "time limit" in by_index[3]["detail"]
    assert by_index[1]["status"] == "ok"  # %matplotlib inline works
    assert by_index[4]["status"] == "ok" and by_index[5]["status"] == "ok"
    assert report["functions"] == ["sigmoid", "softmax"]
    assert report["limits_hit"] == ["timeout"]


def test_run_prints_a_table_counting_cells_from_one(capsys):
    assert main(["run", str(EXAMPLE), "--cell-timeout", "1"]) == 0
    out = capsys.readouterr().out
    assert any(line.split()[:2] == ["4", "timeout"] for line in out.splitlines())
    assert "functions: sigmoid, softmax" in out


def test_doctor_passes_here(capsys):
    assert main(["doctor"]) == 0
    out = capsys.readouterr().out
    for name in ("bubblewrap", "seccomp", "cgroups", "isolation", "kernel"):
        assert f"[ok  ] {name}" in out
