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

MASTER_NAMES = [paths.release_name(m) for m in paths.masters()]
SHARED_DIR: Path | None = None  # set by conftest.py for the session when tests run on xdist workers


def _grade_release() -> dict:
    """Every solution notebook and untouched student copy, graded in one batch by the course's grader."""
    import shutil
    import subprocess
    import sys
    import tempfile

    with tempfile.TemporaryDirectory(prefix="release-grades-") as tmp:
        folder = Path(tmp) / "submissions"
        folder.mkdir()
        for name in MASTER_NAMES:
            shutil.copy(paths.AUTOGRADER / name / f"{name}.ipynb", folder / f"{name}.ipynb")
            shutil.copy(paths.NOTEBOOKS / name / f"{name}.ipynb", folder / f"{name}.student.ipynb")
        out = Path(tmp) / "out"
        done = subprocess.run([sys.executable, "-m", "bertcourse", "grade", str(folder), "--out", str(out),
                               "--workers", "2"], cwd=paths.REPO, env=release.offline_env(out),
                              capture_output=True, text=True, timeout=900)
        if done.returncode != 0:
            raise RuntimeError(done.stdout[-2000:] + done.stderr[-2000:])
        import csv

        return {row["file"]: row for row in csv.DictReader((out / "grades.csv").open(encoding="utf-8"))}


def _grade_samples() -> dict:
    """The batch grader over tests/submissions/ (2 workers, 40 s time limit), as the README's grade command."""
    import subprocess
    import sys
    import tempfile

    out = (SHARED_DIR or Path(tempfile.mkdtemp(prefix="graded-samples-"))) / "graded-samples"
    pth_before = sorted(str(p) for p in Path(sys.prefix).rglob("*.pth"))
    done = subprocess.run([sys.executable, "-m", "bertcourse", "grade", str(paths.REPO / "tests" / "submissions"),
                           "--out", str(out), "--workers", "2", "--timeout", "40"], cwd=paths.REPO,
                          env=release.offline_env(out), capture_output=True, text=True, timeout=900)
    return {"out": str(out), "returncode": done.returncode, "stdout": done.stdout, "stderr": done.stderr[-5000:],
            "pth_before": pth_before,
            "csv": (out / "grades.csv").read_text(encoding="utf-8") if (out / "grades.csv").exists() else ""}


def graded_samples() -> dict:
    """The sample submissions graded once per session (shared by test_batch_grading and test_report)."""
    return _shared("graded-samples", _grade_samples)


def release_grades() -> dict:
    """{file: grades.csv row} for `<name>.ipynb` (the solution) and `<name>.student.ipynb`, once per session."""
    return _shared("release-grades", _grade_release)


def _execute(name: str):
    from bertcourse.execute import execute_notebook

    return execute_notebook(paths.SOLUTIONS / f"{name}.ipynb", collect="*")


@functools.cache
def _shared(key: str, compute):
    """compute(), once per test session: the first worker to ask computes and stores it (JSON) in the folder all
    workers share; the others wait on a file lock and read it. Without xdist, kept in memory only."""
    if SHARED_DIR is None:
        return compute()
    SHARED_DIR.mkdir(parents=True, exist_ok=True)
    stored = SHARED_DIR / f"{key}.json"
    with FileLock(str(SHARED_DIR / f"{key}.lock")):
        if not stored.exists():  # a worker whose run failed leaves nothing: the next one retries
            partial = stored.with_suffix(".part")
            partial.write_text(json.dumps(compute()))
            os.replace(partial, stored)
    return json.loads(stored.read_text())


@functools.cache
def offline_run(name: str):
    """Execute the master `name` offline: (executed notebook, seconds, JSON-able globals)."""
    def compute():
        executed, seconds, values = _execute(name)
        return {"notebook": nbformat.writes(executed), "seconds": seconds, "values": values}

    data = _shared(f"offline-run-{name}", compute)
    return nbformat.reads(data["notebook"], as_version=4), data["seconds"], data["values"]
