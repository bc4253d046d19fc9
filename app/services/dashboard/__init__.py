"""Instructors' dashboards: a course's overview matrix, an assignment's dashboard (counts,
histogram, pass rates, mistakes, timing, queue) and the drill-downs behind its bars. Each is
a few aggregate queries over the gradebook's rule (:mod:`.counted`)."""

from app.services.dashboard.assignment import AssignmentDashboard, assignment_dashboard
from app.services.dashboard.bins import SCORE_BINS, TIME_BINS
from app.services.dashboard.drilldown import (
    Page,
    bin_students,
    failed_test,
    mistake_submissions,
    not_submitted,
)
from app.services.dashboard.overview import Overview, course_overview

__all__ = [
    "SCORE_BINS",
    "TIME_BINS",
    "AssignmentDashboard",
    "Overview",
    "Page",
    "assignment_dashboard",
    "bin_students",
    "course_overview",
    "failed_test",
    "mistake_submissions",
    "not_submitted",
]
