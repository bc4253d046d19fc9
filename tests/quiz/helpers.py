"""A small quiz folder, written the way an instructor would write one, for the quiz tests."""

from __future__ import annotations

import textwrap
from pathlib import Path

QUIZ = """
id = "tiny-quiz"
title = "A tiny quiz"
kind = "quiz"

[quiz]
time_limit_minutes = 15
attempts = 2

[[questions]]
id = "q1"
type = "single"
prompt = "Which option is the fourth?"
options = ["first", "second", "third", "fourth"]
answer = "d"
explanation = "The options are lettered from a."

[[questions]]
id = "q2"
type = "multiple"
prompt = "Which of these are even? (Check all that apply.)"
options = ["1", "2", "3", "4"]
answer = ["b", "d"]

[[questions]]
id = "q3"
type = "number"
prompt = "tanh(0.25), up to 5 decimals, no rounding off"
rule = "truncate"
decimals = 5
answer = 0.24491866240370913
computed = "tanh_quarter"
points = 2

[[questions]]
id = "q4"
type = "exact"
prompt = "What should be size_a, size_b and size_c?"
normalize = "identifier"
any_order = true
answer = ["size_a = Hidden_Layer_size", "size_b = z_size", "size_c = X_size"]

[[questions]]
id = "q5"
type = "integer"
prompt = "How many values does forward return?"
answer = 9

[[questions]]
id = "q6"
type = "shape"
prompt = "What is z.shape?"
answer = [85, 1]
computed = "z_shape"
"""

KEYS = """
import math


def tanh_quarter(reference):
    return math.tanh(0.25)


def z_shape(reference):
    return (85, 1)
"""

RIGHT = {
    "q1": "d",
    "q2": ["b", "d"],
    "q3": "0.24491",
    "q4": "size_a=Hidden_Layer_size\nsize_b = z_size; size_c = X_size",
    "q5": "9",
    "q6": "(85, 1)",
}


def write_quiz(root: Path, manifest: str = QUIZ, keys: str | None = KEYS) -> Path:
    """The quiz folder ``root/tiny-quiz``."""
    folder = root / "tiny-quiz"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "assignment.toml").write_text(textwrap.dedent(manifest), encoding="utf-8")
    if keys is not None:
        (folder / "keys.py").write_text(textwrap.dedent(keys), encoding="utf-8")
    return folder
