"""Rubrics for free-text answers: ``rubrics.toml`` read and checked, scores from the items
applied to an answer, the file written back, and what an edit does to graded answers.

``docs/assignments.md`` documents the format and the scoring rules.
"""

from graders.rubric.change import (
    Change,
    ChangeKind,
    GradedAnswer,
    ItemChange,
    ScoreChange,
    rescore,
    rubric_change_effect,
    score_shifts,
)
from graders.rubric.export import rubric_to_toml
from graders.rubric.model import ITEM_ID, RUBRICS, Rubric, RubricItem, RubricQuestion
from graders.rubric.samples import SampleCheck, check_samples
from graders.rubric.score import score
from graders.rubric.tables import check_rubric, load_rubrics, rubric_from_dict

__all__ = [
    "ITEM_ID",
    "RUBRICS",
    "Change",
    "ChangeKind",
    "GradedAnswer",
    "ItemChange",
    "Rubric",
    "RubricItem",
    "RubricQuestion",
    "SampleCheck",
    "ScoreChange",
    "check_rubric",
    "check_samples",
    "load_rubrics",
    "rescore",
    "rubric_change_effect",
    "rubric_from_dict",
    "rubric_to_toml",
    "score",
    "score_shifts",
]
