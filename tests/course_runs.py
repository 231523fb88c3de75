"""Expensive results shared by several test files, computed once per test session.

An offline run of a notebook takes up to a minute and several test files inspect the same run. Under
pytest-xdist the tests that need it may land on different workers, so the first worker to ask runs the
notebook and stores the result in a folder all workers share (conftest.py sets it); the others wait on a
file lock and read it. (xdist's own `xdist_group` marks do not group tests on pytest 9: they rewrite a node
attribute pytest no longer reads.) Without xdist the result is kept in memory only.

(Kept out of conftest.py: test modules that import conftest by name can get a second copy of it, and with
it a second, empty cache.)"""

from __future__ import annotations

import functools
import json
import os
from pathlib import Path

import nbformat
from filelock import FileLock

from bertcourse import paths, release
from bertcourse.grading import otter_run

MASTER_NAMES = [paths.release_name(m) for m in paths.masters()]
SHARED_DIR: Path | None = None  # set by conftest.py for the session when tests run on xdist workers


@functools.cache
def graded(name: str, which: str):
    """Grade the solution ('solution') or the untouched student copy ('student') with otter run."""
    folder = paths.AUTOGRADER if which == "solution" else paths.NOTEBOOKS
    return otter_run(folder / name / f"{name}.ipynb", release.zip_path(name))


def _execute(name: str):
    from bertcourse.execute import execute_notebook

    return execute_notebook(paths.SOLUTIONS / f"{name}.ipynb", collect="*")


@functools.cache
def offline_run(name: str):
    """Execute the master `name` offline: (executed notebook, seconds, JSON-able globals)."""
    if SHARED_DIR is None:
        return _execute(name)
    SHARED_DIR.mkdir(parents=True, exist_ok=True)
    stored = SHARED_DIR / f"{name}.json"
    with FileLock(str(SHARED_DIR / f"{name}.lock")):
        if not stored.exists():  # a worker whose run failed leaves nothing: the next one retries
            executed, seconds, values = _execute(name)
            partial = stored.with_suffix(".part")
            partial.write_text(json.dumps({"notebook": nbformat.writes(executed), "seconds": seconds,
                                           "values": values}))
            os.replace(partial, stored)
    data = json.loads(stored.read_text())
    return nbformat.reads(data["notebook"], as_version=4), data["seconds"], data["values"]
