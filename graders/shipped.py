"""The folders Markwell ships beside its code: ``reference/`` (the built-in catalog) and
``migrations/`` (the service's schema), in a checkout or in an installed wheel."""

from __future__ import annotations

import importlib.util
from pathlib import Path

_CHECKOUT = Path(__file__).resolve().parents[1]


def shipped_folder(name: str) -> Path:
    """Where the repository's top-level folder ``name`` is.

    A checkout (run in place or installed with ``pip install -e .``) has it beside the
    packages, and its own copy wins, so the code never runs against another tree's copy. A
    wheel installs it as the data package ``markwell_data.<name>`` (see setup.py).
    """
    if (_CHECKOUT / "pyproject.toml").is_file() and (_CHECKOUT / name).is_dir():
        return _CHECKOUT / name
    try:
        spec = importlib.util.find_spec(f"markwell_data.{name}")
    except ModuleNotFoundError:  # no markwell_data installed at all
        spec = None
    locations = list(spec.submodule_search_locations or ()) if spec is not None else []
    return Path(locations[0]) if locations else _CHECKOUT / name
