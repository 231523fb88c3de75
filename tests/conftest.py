"""Shared pytest fixtures: the masters, and one offline run / grading per notebook per worker."""

from __future__ import annotations

import functools

import pytest

from bertcourse import paths, release
from bertcourse.grading import otter_run

MASTER_NAMES = [paths.release_name(m) for m in paths.masters()]


def pytest_generate_tests(metafunc):
    if "notebook_name" in metafunc.fixturenames:
        metafunc.parametrize("notebook_name", MASTER_NAMES)


@functools.cache
def graded(name: str, which: str):
    """Grade the solution ('solution') or the untouched student copy ('student') with otter run."""
    folder = paths.AUTOGRADER if which == "solution" else paths.NOTEBOOKS
    return otter_run(folder / name / f"{name}.ipynb", release.zip_path(name))


@pytest.fixture
def grade_of():
    return graded


@functools.cache
def offline_run(name: str):
    """Execute the master `name` offline once per test worker: (executed notebook, seconds, JSON-able globals)."""
    from bertcourse.execute import execute_notebook

    return execute_notebook(paths.SOLUTIONS / f"{name}.ipynb", collect="*")


def run_group(name: str):
    """pytest-xdist group: tests that share one notebook's offline run go to the same worker."""
    return pytest.mark.xdist_group(f"offline-run-{name}")
