"""Markwell's own installed files that a sandbox's bound Python trees would show its student.

A wheel install puts ``graders``, ``app`` and ``markwell_data`` (the catalog: model solutions,
mutants, checks, migrations) and the ``markwell-*.dist-info`` into the venv's site-packages,
which the sandbox binds read-only as a whole. An editable install leaves only small finder
files there, but they name the source tree. :func:`hidden_places` finds all of them, so
:func:`graders.sandbox.config.layout` can cover each with an empty read-only mount.

Nothing the kernel runs comes from these places: ``inside.py``, ``lighten.py`` and the codec
are copied into the run directory, and the fork server imports its own package before it
enters a sandbox.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from graders.sandbox.interpreter import SYSTEM_TREE, Interpreter

DISTRIBUTION = "markwell"
PACKAGES = ("graders", "app", "markwell_data")
"""The top-level import packages the distribution installs."""


@dataclass(frozen=True)
class HiddenPlaces:
    """Real paths inside the sandbox's bound trees that belong to Markwell's installation."""

    folders: tuple[Path, ...]
    """Covered by an empty read-only tmpfs."""
    files: tuple[Path, ...]
    """Covered by a read-only bind of ``/dev/null``."""

    @property
    def all(self) -> tuple[Path, ...]:
        return self.folders + self.files


def _inside(path: str, tree: str) -> bool:
    return path == tree or path.startswith(tree.rstrip("/") + "/")


def _site_dirs(trees: list[Path]) -> list[Path]:
    """The package folders a Python in ``trees`` may import from."""
    patterns = (
        "lib/python3*/site-packages",
        "lib/python3*/dist-packages",
        "lib/python3/dist-packages",
        "local/lib/python3*/dist-packages",
        "local/lib/python3*/site-packages",
    )
    found = {site for tree in trees for pattern in patterns for site in tree.glob(pattern)}
    return sorted(site for site in found if site.is_dir())


def _is_own_file(name: str) -> bool:
    """A top-level site-packages entry of the distribution that is not a package folder."""
    lowered = name.lower()
    if lowered.startswith("__editable__") and DISTRIBUTION in lowered:
        return True  # setuptools' editable finder (.py) and its .pth
    return lowered.startswith(DISTRIBUTION) and lowered.endswith((".pth", ".egg-link"))


def _is_own_metadata(name: str) -> bool:
    lowered = name.lower()
    return lowered.startswith(DISTRIBUTION + "-") and lowered.endswith((".dist-info", ".egg-info"))


def _in_site_dir(site: Path) -> list[Path]:
    """What of the distribution lies in ``site``, found by name; packages only where the
    distribution's metadata or finder shows it is installed there (``app`` is a common name)."""
    try:
        names = os.listdir(site)
    except OSError:
        return []
    own = [site / n for n in names if _is_own_file(n) or _is_own_metadata(n)]
    if not own:
        return []
    own += [site / n for n in PACKAGES if (site / n).is_dir()]
    cache = site / "__pycache__"
    if cache.is_dir():
        own += [cache / n for n in os.listdir(cache) if _is_own_file(n)]
    return own


def _from_importlib(sites: list[Path]) -> list[Path]:
    """The packages this process imports Markwell from, and every installed file its
    metadata lists, both in this process's paths and in the sandbox Python's ``sites``."""
    places: list[Path] = []
    for name in PACKAGES:
        try:
            spec = importlib.util.find_spec(name)
        except (ImportError, ValueError):
            continue
        if spec is not None and spec.submodule_search_locations is not None:
            places += [Path(p) for p in spec.submodule_search_locations if os.path.isdir(p)]
    searches: list[list[str] | None] = [None, [str(site) for site in sites]]
    for search in searches:
        found = (
            importlib.metadata.distributions(name=DISTRIBUTION)
            if search is None
            else importlib.metadata.distributions(name=DISTRIBUTION, path=search)
        )
        for dist in found:
            for file in dist.files or ():
                parts = file.parts
                top = parts[0] if parts else ""
                base = Path(str(dist.locate_file("")))
                if top in PACKAGES or _is_own_metadata(top):
                    places.append(base / top)  # the folder, not each file in it
                else:
                    places.append(base / file)
    return places


def _cover(paths: list[Path], trees: list[Path]) -> HiddenPlaces:
    """The real paths in ``trees``, outermost only (a mount over a folder hides its inside)."""
    real = sorted(
        {
            os.path.realpath(p)
            for p in paths
            if os.path.lexists(p) and any(_inside(os.path.realpath(p), str(t)) for t in trees)
        }
    )
    kept: list[str] = []
    for path in real:  # sorted, so a folder comes before what lies inside it
        if not any(_inside(path, outer) for outer in kept):
            kept.append(path)
    folders = tuple(Path(p) for p in kept if os.path.isdir(p))
    files = tuple(Path(p) for p in kept if not os.path.isdir(p) and os.path.isfile(p))
    return HiddenPlaces(folders=folders, files=files)


@lru_cache(maxsize=16)
def hidden_places(python: Interpreter) -> HiddenPlaces:
    """Where Markwell's installation shows through the trees bound for ``python``.

    Once per process and interpreter, as :func:`~graders.sandbox.interpreter.find_interpreter`
    is: layout runs on every sandbox start, and an installation changes only with a restart.
    """
    trees = [SYSTEM_TREE, *python.trees]
    sites = _site_dirs(trees)
    paths = _from_importlib(sites)
    for site in sites:
        paths += _in_site_dir(site)
    return _cover(paths, trees)
