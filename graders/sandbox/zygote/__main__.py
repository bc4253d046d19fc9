"""``python -I graders/sandbox/zygote --fd N [--preload a,b]``: run the fork server.

Run as a folder, this file is a top-level script: it loads its own folder as the package
``zygote`` (so the modules' relative imports work) without importing ``graders``.
"""

import importlib
import importlib.util
import os
import sys


def _load_package() -> None:
    here = os.path.dirname(os.path.abspath(__file__))
    # Running a folder puts it first on sys.path; take it off, so that its modules are never
    # found under a second, top-level name.
    if sys.path and os.path.abspath(sys.path[0]) == here:
        del sys.path[0]
    spec = importlib.util.spec_from_file_location(
        "zygote", os.path.join(here, "__init__.py"), submodule_search_locations=[here]
    )
    assert spec is not None and spec.loader is not None
    package = importlib.util.module_from_spec(spec)
    sys.modules["zygote"] = package
    spec.loader.exec_module(package)


if __name__ == "__main__":
    _load_package()
    importlib.import_module("zygote.server").main()
