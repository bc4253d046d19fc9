"""Grouping benchmark: how long grouping one question's free-text answers takes.

Run with ``.venv/bin/python bench/bench_grouping.py [--answers 500] [--seed 1]``. It makes
``--answers`` short answers to one question from a handful of model sentences, each answer
a variant (typos, a changed case or punctuation, swapped clauses, a paraphrase, an
unrelated sentence), then times each step of ``graders.freetext.groups`` and prints CPU and
wall seconds. The semantic step runs when the ``embeddings`` extra is installed (model
load timed apart from grouping). Nothing here is a test: no timing is asserted anywhere.
"""

from __future__ import annotations

import argparse
import random
import time
from collections.abc import Callable
from typing import Any

from graders.freetext.groups import (
    embeddings_available,
    exact_groups,
    near_groups,
    semantic_groups,
    suggest_groups,
)

# Per meaning, a few ways students put it: the first is the plain form, the rest paraphrases.
MEANINGS = [
    [
        "Machine translation maps a sentence in one language to a sentence in another",
        "Translating text from English into French is a sequence to sequence task",
        "A translator model turns a source sentence into a target language sentence",
    ],
    [
        "Speech recognition converts an audio signal into a sequence of words",
        "Turning spoken audio into written text is an example",
        "Speech to text maps sound frames to characters",
    ],
    [
        "Summarisation maps a long document to a short summary",
        "Producing a short summary of a long article",
        "Text summarization condenses a document into a few sentences",
    ],
    [
        "A chatbot maps the user's question to an answer",
        "Dialogue systems generate a reply from the previous message",
        "Conversational agents turn a prompt into a response",
    ],
    [
        "Image captioning maps a picture to a sentence describing it",
        "Generating a caption for a photo from its pixels",
        "Describing an image in words with an encoder and a decoder",
    ],
]
UNRELATED = [
    "I did not understand the lecture on this topic",
    "Recurrent networks suffer from vanishing gradients",
    "The learning rate was too high so the loss diverged",
    "Attention weights sum to one over the encoder states",
]


def typo(text: str, rng: random.Random) -> str:
    chars = list(text)
    for _ in range(rng.randint(1, 3)):
        i = rng.randrange(len(chars))
        action = rng.choice(["drop", "swap", "double"])
        if action == "drop":
            del chars[i]
        elif action == "swap" and i + 1 < len(chars):
            chars[i], chars[i + 1] = chars[i + 1], chars[i]
        else:
            chars.insert(i, chars[i])
    return "".join(chars)


def restyle(text: str, rng: random.Random) -> str:
    text = rng.choice([str.lower, str.upper, str.capitalize, str.strip])(text)
    return text + rng.choice(["", ".", "!", " .", "..."])


def reorder(text: str, rng: random.Random) -> str:
    words = text.split()
    cut = rng.randrange(1, len(words))
    return " ".join(words[cut:] + words[:cut])


def make_answers(count: int, seed: int) -> dict[str, str]:
    rng = random.Random(seed)
    answers = {}
    for n in range(count):
        if rng.random() < 0.06:
            text = rng.choice(UNRELATED)
        else:
            forms = rng.choice(MEANINGS)
            text = forms[0] if rng.random() < 0.5 else rng.choice(forms[1:])
            change = rng.random()
            if change < 0.35:
                text = restyle(text, rng)
            elif change < 0.7:
                text = typo(text, rng)
            elif change < 0.8:
                text = reorder(text, rng)
            elif change < 0.85:
                text = f"{text} because it is sequence to sequence"
        answers[f"s{n:04d}"] = text
    return answers


def timed(label: str, run: Callable[[], Any]) -> Any:
    cpu, wall = time.process_time(), time.perf_counter()
    result = run()
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    groups = f"{len(result)} groups" if isinstance(result, list) else ""
    print(f"{label:<34} cpu {cpu:7.3f} s  wall {wall:7.3f} s  {groups}")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--answers", type=int, default=500)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    answers = make_answers(args.answers, args.seed)
    print(f"{len(answers)} answers, {len(set(answers.values()))} distinct raw texts")
    timed("exact groups", lambda: exact_groups(answers))
    timed("near groups (0.9)", lambda: near_groups(answers, 0.9))
    timed(
        "near groups, word order ignored", lambda: near_groups(answers, 0.9, ignore_word_order=True)
    )
    timed("all steps, no embeddings", lambda: suggest_groups(answers))
    if not embeddings_available():
        print("semantic step skipped: the embeddings extra is not installed")
        return
    from graders.freetext.groups import bundled_encoder

    encoder = timed("load the embedding model", bundled_encoder)
    timed("semantic groups (0.75)", lambda: semantic_groups(answers, 0.75, encoder=encoder))
    found = timed(
        "all steps with embeddings",
        lambda: suggest_groups(answers, semantic_threshold=0.75, encoder=encoder),
    )
    grouped = sum(len(g.member_ids) for g in found)
    print(f"  {grouped} of {len(answers)} answers in a suggested group; largest five:")
    for group in found[:5]:
        print(
            f"  {group.method:<8} {len(group.member_ids):>4}  {answers[group.representative_id]!r}"
        )


if __name__ == "__main__":
    main()
