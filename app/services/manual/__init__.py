"""Grading free-text answers by hand: :mod:`.answers` (storing a submission's answers) and
:mod:`.claims` (a grader's short hold on one answer)."""
