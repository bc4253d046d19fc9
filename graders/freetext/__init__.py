"""Free-text answers: read from a notebook's answer cells or a quiz's answers, with their
pictures, for grading by hand against a rubric (``graders.rubric``).

``extract_answers(notebook, assignment.questions, starter)`` gives each free-text question's
:class:`Answer` (``None``: not answered); ``answer_from_json`` reads a quiz's;
``image_kind`` tells a real PNG or JPEG from anything named like one.
"""

from graders.freetext.answers import (
    MAX_TEXT_CHARS,
    Answer,
    Attachment,
    ImagePolicy,
    UnreadableAnswer,
    answer_from_json,
    image_from_data_url,
)
from graders.freetext.extract import MARKER, answer_cells, extract_answers
from graders.freetext.images import MAX_IMAGE_BYTES, ImageKind, image_kind

__all__ = [
    "MARKER",
    "MAX_IMAGE_BYTES",
    "MAX_TEXT_CHARS",
    "Answer",
    "Attachment",
    "ImageKind",
    "ImagePolicy",
    "UnreadableAnswer",
    "answer_cells",
    "answer_from_json",
    "extract_answers",
    "image_from_data_url",
    "image_kind",
]
