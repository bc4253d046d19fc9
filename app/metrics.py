"""Prometheus metrics, read from the database at scrape time.

Workers are other processes (or other machines), so counters kept in this process would miss
their work; the runs table already holds every grading, so the collector asks it. Counts of
finished runs only grow (runs are never deleted), which is what a Prometheus counter needs.
"""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.registry import Collector
from sqlalchemy import case, func, select

from app.db import Database
from app.models import GradingRun

BUCKETS = (0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 30.0, 60.0, 120.0, 300.0)


class GradingCollector(Collector):
    """Queue depth, runs by status and grading durations, from the runs table."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def collect(self) -> Iterator[Metric]:
        with self.db.reader() as session:
            by_status: dict[str, int] = dict(
                session.execute(
                    select(GradingRun.status, func.count()).group_by(GradingRun.status)
                ).all()
            )
            seconds = func.coalesce(
                (func.julianday(GradingRun.finished_at) - func.julianday(GradingRun.started_at))
                * 86400.0
                if self.db.engine.dialect.name == "sqlite"
                else func.extract("epoch", GradingRun.finished_at - GradingRun.started_at),
                0.0,
            )
            finished = GradingRun.finished_at.is_not(None) & GradingRun.started_at.is_not(None)
            row = session.execute(
                select(
                    func.count(),
                    func.coalesce(func.sum(seconds), 0.0),
                    *[func.sum(case((seconds <= b, 1), else_=0)) for b in BUCKETS],
                ).where(finished)
            ).one()
        depth = GaugeMetricFamily(
            "markwell_queue_depth", "Gradings waiting or running", labels=["state"]
        )
        for state in ("queued", "running"):
            depth.add_metric([state], by_status.get(state, 0))
        yield depth
        results = CounterMetricFamily(
            "markwell_gradings", "Finished gradings by result status", labels=["status"]
        )
        for state in ("graded", "rejected", "error"):
            results.add_metric([state], by_status.get(state, 0))
        yield results
        count, total, *cumulative = row
        histogram = HistogramMetricFamily(
            "markwell_grading_seconds", "Time from a worker taking a grading to its result"
        )
        buckets = [(str(b), int(c or 0)) for b, c in zip(BUCKETS, cumulative, strict=True)]
        buckets.append(("+Inf", int(count or 0)))
        histogram.add_metric([], buckets, float(total or 0.0))
        yield histogram


class Metrics:
    """The service's registry: the grading collector plus the process's own."""

    def __init__(self, db: Database) -> None:
        self.registry = CollectorRegistry()
        self.registry.register(GradingCollector(db))

    def render(self) -> tuple[bytes, str]:
        return generate_latest(self.registry), CONTENT_TYPE_LATEST
