"""SQL expressions whose spelling differs between SQLite and PostgreSQL: the seconds between
two moments, a ceiling, a rounding to six decimals, a moment's UTC day.

Each is a small construct compiled per dialect, so the dashboard's queries are written once
and count in the database on both.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Float, String
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement


class seconds_after(FunctionElement[float]):
    """``seconds_after(a, b)``: how many seconds ``a`` is after ``b`` (negative if before)."""

    type = Float()
    inherit_cache = True
    name = "seconds_after"


class ceiling(FunctionElement[float]):
    """``ceiling(x)``: the smallest whole number not below ``x`` (for ``x >= 0``)."""

    type = Float()
    inherit_cache = True
    name = "ceiling"


class round6(FunctionElement[float]):
    """``round6(x)``: ``x`` rounded to six decimals, as the late policy rounds scores."""

    type = Float()
    inherit_cache = True
    name = "round6"


class utc_day(FunctionElement[str]):
    """``utc_day(moment)``: the moment's UTC date as ``YYYY-MM-DD``."""

    type = String()
    inherit_cache = True
    name = "utc_day"


def _args(element: FunctionElement[Any], compiler: SQLCompiler, **kw: Any) -> list[str]:
    return [compiler.process(clause, **kw) for clause in element.clauses]


@compiles(seconds_after)
def _seconds_after(element: seconds_after, compiler: SQLCompiler, **kw: Any) -> str:
    a, b = _args(element, compiler, **kw)
    return f"CAST(EXTRACT(EPOCH FROM ({a} - {b})) AS DOUBLE PRECISION)"


@compiles(seconds_after, "sqlite")
def _seconds_after_sqlite(element: seconds_after, compiler: SQLCompiler, **kw: Any) -> str:
    a, b = _args(element, compiler, **kw)
    # julianday's resolution is tens of microseconds: rounded to the millisecond, a moment
    # exactly a day after another is 86400 s, not 86400.00001.
    return f"round((julianday({a}) - julianday({b})) * 86400.0, 3)"


@compiles(ceiling)
def _ceiling(element: ceiling, compiler: SQLCompiler, **kw: Any) -> str:
    (x,) = _args(element, compiler, **kw)
    return f"ceil({x})"


@compiles(ceiling, "sqlite")
def _ceiling_sqlite(element: ceiling, compiler: SQLCompiler, **kw: Any) -> str:
    (x,) = _args(element, compiler, **kw)
    # SQLite has no ceil() without its math extension; CAST truncates toward zero.
    return f"(CAST({x} AS INTEGER) + ({x} > CAST({x} AS INTEGER)))"


@compiles(round6)
def _round6(element: round6, compiler: SQLCompiler, **kw: Any) -> str:
    (x,) = _args(element, compiler, **kw)
    return f"CAST(round(CAST({x} AS NUMERIC), 6) AS DOUBLE PRECISION)"


@compiles(round6, "sqlite")
def _round6_sqlite(element: round6, compiler: SQLCompiler, **kw: Any) -> str:
    (x,) = _args(element, compiler, **kw)
    return f"round({x}, 6)"


@compiles(utc_day)
def _utc_day(element: utc_day, compiler: SQLCompiler, **kw: Any) -> str:
    (x,) = _args(element, compiler, **kw)
    return f"to_char({x} AT TIME ZONE 'UTC', 'YYYY-MM-DD')"


@compiles(utc_day, "sqlite")
def _utc_day_sqlite(element: utc_day, compiler: SQLCompiler, **kw: Any) -> str:
    (x,) = _args(element, compiler, **kw)
    return f"date({x})"
