"""The package list, which pyproject.toml alone cannot give (everything else is there).

``reference/`` (the built-in assignments) and ``migrations/`` (Alembic's scripts) stay
top-level folders of the repository; the wheel installs them as the data packages
``markwell_data.reference`` and ``markwell_data.migrations``, so an installed Markwell finds
them through ``importlib.resources`` without the source tree.
"""

from setuptools import find_packages, setup  # type: ignore[import-untyped, unused-ignore]

DATA = {"markwell_data.reference": "reference", "markwell_data.migrations": "migrations"}
SUBPACKAGES = ["markwell_data.migrations.versions"]

setup(
    packages=[*find_packages(include=["graders*", "app*"]), *DATA, *SUBPACKAGES],
    package_dir=DATA,
)
