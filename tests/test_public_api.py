"""The engine's public surface: complete, sorted, and free of the web app."""

from __future__ import annotations

import subprocess
import sys

import graders


def test_all_is_sorted_and_every_name_exists():
    assert graders.__all__ == sorted(graders.__all__)
    for name in graders.__all__:
        assert hasattr(graders, name), name


def test_every_public_error_is_exported():
    errors = [
        name
        for name, obj in vars(graders.errors).items()
        if isinstance(obj, type)
        and issubclass(obj, Exception)
        and obj.__module__ == "graders.errors"
    ]
    assert set(errors) <= set(graders.__all__)


def test_graders_never_imports_the_app_or_web_stack():
    code = (
        "import sys, graders, graders.doctor; "
        "bad = [m for m in sys.modules if m.split('.')[0] in "
        "('app', 'fastapi', 'sqlalchemy', 'nbconvert', 'jupyter_server')]; print(bad)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
