"""The layers' contracts (pyproject.toml, checked by ``lint-imports`` in scripts/test) keep
up with the code: the list of the engine's internals names every module but its public ones."""

from __future__ import annotations

import pkgutil
import tomllib
from pathlib import Path

import graders

ROOT = Path(__file__).resolve().parents[1]
PUBLIC = {"graders.freetext", "graders.quiz"}
"""The engine's public subpackages, besides ``graders`` itself."""


def contract(name: str) -> dict[str, object]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    return next(c for c in config["contracts"] if c["name"] == name)


def test_every_internal_module_of_the_engine_is_protected():
    protected = set(contract("The service uses only the engine's public API")["protected_modules"])
    top = {f"graders.{m.name}" for m in pkgutil.iter_modules(graders.__path__)}
    assert top - PUBLIC == protected, "list new modules of graders/ in pyproject.toml"
