"""Locate bundled resources (fonts, icons, catalog data) from source or a PyInstaller bundle."""

from __future__ import annotations

import sys
from pathlib import Path


def resources_dir() -> Path:
    """Return the ``resources`` directory.

    From a source checkout it is ``<repo>/resources``; in a PyInstaller bundle the build spec
    collects it to ``<sys._MEIPASS>/resources``.

    Returns:
        The absolute path of the resources directory (it is not checked for existence).
    """
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        return Path(bundle) / "resources"
    return Path(__file__).resolve().parent.parent / "resources"


def resource_path(*parts: str) -> Path:
    """Return the path of a bundled resource.

    Args:
        *parts: Path components below ``resources/``, e.g. ``("fonts", "NotoSans-Regular.ttf")``.

    Returns:
        The absolute path of the resource.
    """
    return resources_dir().joinpath(*parts)
