"""SQL expressions whose spelling differs between SQLite and PostgreSQL: the started days
between two moments, a rounding to six decimals, a moment's UTC day.

Each is a small construct compiled per dialect, so the dashboard's queries are written once
and count in the database on both.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Float, Integer, String
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement


class late_days(FunctionElement[int]):
    """``late_days(submitted, due)``: the started days ``submitted`` is past ``due`` (at least
    1; only meaningful when it is past), as :func:`app.services.late.late_days` counts them."""

    type = Integer()
    inherit_cache = True
    name = "late_days"


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


@compiles(late_days)
def _late_days(element: late_days, compiler: SQLCompiler, **kw: Any) -> str:
    a, b = _args(element, compiler, **kw)
    return f"GREATEST(1, CAST(CEIL(EXTRACT(EPOCH FROM ({a} - {b})) / 86400) AS INTEGER))"


@compiles(late_days, "sqlite")
def _late_days_sqlite(element: late_days, compiler: SQLCompiler, **kw: Any) -> str:
    a, b = _args(element, compiler, **kw)
    # SQLite has no ceil() without its math extension: a ceiling in whole milliseconds
    # (julianday's resolution is tens of microseconds), by integer division.
    ms = f"CAST(round((julianday({a}) - julianday({b})) * 86400000.0) AS INTEGER)"
    return f"max(1, ({ms} + 86399999) / 86400000)"


@compiles(round6)
def _round6(element: round6, compiler: SQLCompiler, **kw: Any) -> str:
    (x,) = _args(element, compiler, **kw)
    # In double precision: a NUMERIC round costs more than the rest of the row's arithmetic.
    return f"(round(({x}) * 1000000.0) / 1000000.0)"


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
