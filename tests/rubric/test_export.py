"""A rubric written back as rubrics.toml reads back the same."""

from __future__ import annotations

import textwrap
import tomllib

from hypothesis import given, settings
from hypothesis import strategies as st

from graders import rubric_from_dict, rubric_to_toml
from graders.rubric import Rubric, RubricItem, RubricQuestion
from tests.freetext.fixtures import RUBRICS


def test_the_fixture_rubric_round_trips():
    rubric = rubric_from_dict(tomllib.loads(textwrap.dedent(RUBRICS)))
    text = rubric_to_toml(rubric)
    assert rubric_from_dict(tomllib.loads(text)) == rubric
    assert '[[q1.items]]\nid = "vanishing"' in text


item_ids = st.from_regex(r"[a-z0-9-]{1,40}", fullmatch=True)
texts = st.text(min_size=1, max_size=60).filter(lambda t: t.strip() == t and t)
points = st.one_of(
    st.integers(-5, 5).map(float),
    st.floats(-10, 10, allow_nan=False, allow_infinity=False),
)
items = st.lists(
    st.builds(RubricItem, item_ids, texts, points, st.one_of(st.just(""), st.text(max_size=20))),
    min_size=1,
    max_size=4,
    unique_by=lambda i: i.id,
)
questions = st.lists(
    st.builds(
        RubricQuestion,
        st.from_regex(r"q[0-9]{1,3}", fullmatch=True),
        st.booleans(),
        items.map(tuple),
    ),
    max_size=3,
    unique_by=lambda q: q.id,
)


@settings(max_examples=100, deadline=None)
@given(questions)
def test_any_rubric_round_trips_through_its_toml(found):
    rubric = Rubric(tuple(found))
    assert rubric_from_dict(tomllib.loads(rubric_to_toml(rubric))) == rubric
