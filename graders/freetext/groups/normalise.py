"""One canonical form of an answer's text, so that answers which differ only in case,
spacing, punctuation or markdown markup compare equal."""

from __future__ import annotations

import re
import unicodedata

_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_FENCE = re.compile(r"^\s*(```|~~~).*$", re.MULTILINE)
_IMAGE = re.compile(r"!\[([^\]]*)\]\([^)]*\)")
_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_TAG = re.compile(r"</?[A-Za-z][^<>]*>")
_LINE_MARK = re.compile(r"^\s*(?:>\s*)*(?:#{1,6}\s+|[-*+]\s+|\d+[.)]\s+)?", re.MULTILINE)
_RULE = re.compile(r"^\s*([-*_])(\s*\1){2,}\s*$", re.MULTILINE)
# Inline code, strike-through and TeX delimiters are markup, not words; `*` and `_` go with
# the rest of the punctuation below.
_INLINE_MARK = re.compile(r"[`~$]")
_APOSTROPHE = re.compile("(?<=\\w)['\u2019](?=\\w)")
_SPACE = re.compile(r"\s+")


def _is_punctuation(char: str) -> bool:
    return unicodedata.category(char).startswith("P")


def _strip_punctuation(text: str) -> str:
    out: list[str] = []
    last = len(text) - 1
    for i, char in enumerate(text):
        if not _is_punctuation(char):
            out.append(char)
            continue
        before = text[i - 1] if i > 0 else ""
        after = text[i + 1] if i < last else ""
        # "3.5", "1,000" and "2-3" keep their marks: without them the numbers change.
        if before.isdigit() and after.isdigit():
            out.append(char)
        else:
            out.append(" ")
    return "".join(out)


def normalise(text: str) -> str:
    """The text in canonical form: NFKC, markdown markup removed, casefolded, punctuation
    dropped (except between digits) and whitespace collapsed to single spaces.

    Symbols such as ``+``, ``=`` and ``<`` stay: in a worked answer they carry meaning.
    """
    text = unicodedata.normalize("NFKC", text)
    text = _COMMENT.sub(" ", text)
    text = _FENCE.sub(" ", text)
    text = _IMAGE.sub(r"\1", text)
    text = _LINK.sub(r"\1", text)
    text = _TAG.sub(" ", text)
    text = _RULE.sub(" ", text)
    text = _LINE_MARK.sub("", text)
    text = _INLINE_MARK.sub(" ", text)
    text = _APOSTROPHE.sub("", text)
    text = _strip_punctuation(text.casefold())
    return _SPACE.sub(" ", text).strip()


def words(text: str) -> list[str]:
    """The normalised text's words."""
    return normalise(text).split()
