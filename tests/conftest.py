"""Shared pytest fixtures: every master as a parameter, and the cached results of course_runs."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile

import pytest

# Tests that load the fixtures in-process get a datasets cache of their own (see release.offline_env): set
# before any test module imports `datasets`, which reads the variable once.
os.environ["HF_DATASETS_CACHE"] = tempfile.mkdtemp(prefix="bertcourse-hf-datasets-")
atexit.register(shutil.rmtree, os.environ["HF_DATASETS_CACHE"], True)

import course_runs
from course_runs import MASTER_NAMES, release_grades


def pytest_generate_tests(metafunc):
    if "notebook_name" in metafunc.fixturenames:
        metafunc.parametrize("notebook_name", MASTER_NAMES)


@pytest.fixture(scope="session", autouse=True)
def _share_offline_runs_between_workers(tmp_path_factory):
    if os.environ.get("PYTEST_XDIST_WORKER"):
        # each worker's base temp is <session folder>/popen-gwN: the session folder is common to all of them
        # and pytest removes old ones itself
        course_runs.SHARED_DIR = tmp_path_factory.getbasetemp().parent / "offline-runs"


@pytest.fixture
def graded_release():
    """grades.csv rows of every solution (`<name>.ipynb`) and untouched student copy (`<name>.student.ipynb`)."""
    from bertcourse.sandbox import bwrap_usable

    if bwrap_usable() is not None or os.geteuid() != 0:
        pytest.skip(f"the grader's sandbox needs root and bubblewrap ({bwrap_usable()}); `make test` installs it")
    return release_grades()
