"""Expensive results shared by several test files, computed once per test worker.

(Kept out of conftest.py: test modules that import conftest by name can get a second copy of it, and with
it a second, empty cache.)"""

from __future__ import annotations

import functools

import pytest

from bertcourse import paths, release
from bertcourse.grading import otter_run

MASTER_NAMES = [paths.release_name(m) for m in paths.masters()]


@functools.cache
def graded(name: str, which: str):
    """Grade the solution ('solution') or the untouched student copy ('student') with otter run."""
    folder = paths.AUTOGRADER if which == "solution" else paths.NOTEBOOKS
    return otter_run(folder / name / f"{name}.ipynb", release.zip_path(name))


@functools.cache
def offline_run(name: str):
    """Execute the master `name` offline: (executed notebook, seconds, JSON-able globals)."""
    from bertcourse.execute import execute_notebook

    return execute_notebook(paths.SOLUTIONS / f"{name}.ipynb", collect="*")


def run_group(name: str):
    """pytest-xdist group: tests that share one notebook's offline run go to the same worker."""
    return pytest.mark.xdist_group(f"offline-run-{name}")
