"""Assignments: the folder format, the catalog, and loading an assignment's trusted code."""

from graders.assignments.catalog import Catalog, load_catalog, load_module, load_mutant
from graders.assignments.manifest import Assignment, Check, Mutant, Output, read_assignment

__all__ = [
    "Assignment",
    "Catalog",
    "Check",
    "Mutant",
    "Output",
    "load_catalog",
    "load_module",
    "load_mutant",
    "read_assignment",
]
