"""Batch grader (bertcourse/batch.py): every sample in tests/submissions/ gets exactly one correct row.

The folder is graded ONCE per session (module fixture, 2 workers, 30 s timeout for the endless loop: a
sample that finishes takes a few seconds);
a second run must resume from the cached results without regrading and give a byte-identical CSV.
The samples are written by `benchmarks/grading_benchmark.py --samples tests/submissions`.
"""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from bertcourse import paths
from bertcourse.release import offline_env

SAMPLES = Path(__file__).parent / "submissions"
ZIP = paths.AUTOGRADER / "nb1_zero_shot" / "nb1_zero_shot-autograder.zip"
Q = ["q1_concatenate_mask", "q2_filter_for_max_length", "q3_apply_bert", "q4_accuracy"]

# file -> (status prefix, expected per-question scores or None for "all zero")
EXPECTED = {
    "perfect.ipynb": ("ok", [2, 3, 3, 2]),
    "perfect_export.zip": ("ok", [2, 3, 3, 2]),
    "partial.ipynb": ("ok", [2, 1, 1.5, 2]),  # q2 counts words (fails 2 hidden), q3 picks the last guess
    "My Homework (final) v2.ipynb": ("ok", [2, 1, 1.5, 2]),  # renamed copy of partial
    "stub.ipynb": ("ok", [0, 0, 0, 0]),
    "raises_in_first_cell.ipynb": ("ok", [2, 3, 3, 2]),  # later cells still run
    "sys_exit.ipynb": ("ok", [2, 3, 3, 2]),  # IPython catches SystemExit
    "deleted_check_cells.ipynb": ("ok", [2, 3, 3, 2]),  # otter runs every test at the end anyway
    "huge_output.ipynb": ("ok", [2, 3, 3, 2]),
    "memory_hog.ipynb": ("ok", [2, 3, 3, 2]),  # MemoryError at the cap; the rest still runs
    "defined_after_failing_cell.ipynb": ("ok", [2, 0, 0, 2]),
    "edited_public_tests.zip": ("ok", [0, 0, 0, 0]),  # its tests/ folder is ignored: a stub scores 0
    "infinite_loop.ipynb": ("timeout", None),
    "os_exit.ipynb": ("error: the notebook's kernel died", None),
    "corrupt.ipynb": ("error: not a valid notebook", None),
    "notes.txt": ("error: not a valid notebook", None),
    "empty.zip": ("error: no notebook in the zip", None),
}
HOSTILE = ["hostile_f1_score.ipynb", "hostile_numpy.ipynb", "hostile_builtins.ipynb", "hostile_builtins_dunder.ipynb",
           "hostile_grader.ipynb", "hostile_otter_patch.ipynb", "hostile_writes_tests.ipynb",
           "hostile_shell_magic.ipynb", "hostile_obfuscated.ipynb"]


def grade(out: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "bertcourse", "grade", str(SAMPLES), "--out", str(out),
                           "--workers", "2", "--timeout", "30"], cwd=paths.REPO, env=offline_env(out),
                          capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    out = tmp_path_factory.mktemp("grades")
    done = grade(out)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    rows = {r["file"]: r for r in csv.DictReader((out / "grades.csv").open())}
    return out, rows, done.stdout


def test_one_row_per_file(graded):
    out, rows, _ = graded
    files = sorted(p.name for p in SAMPLES.iterdir() if p.is_file())
    lines = (out / "grades.csv").read_text().splitlines()
    assert len(lines) == 1 + len(files)
    assert sorted(rows) == files
    assert set(EXPECTED) | set(HOSTILE) == set(files), "every sample needs an expectation"
    header = lines[0].split(",")
    assert header[:3] == ["file", "notebook", "status"] and header[-2:] == ["total", "max"]
    assert set(Q) <= set(header)


@pytest.mark.parametrize("file", sorted(EXPECTED))
def test_row(graded, file):
    _, rows, _ = graded
    row = rows[file]
    status, scores = EXPECTED[file]
    assert row["status"].startswith(status), row
    if row["notebook"] == "nb1_zero_shot":
        got = [float(row[q]) for q in Q]
        assert got == [float(s) for s in (scores or [0, 0, 0, 0])], row
        assert float(row["total"]) == sum(got) and float(row["max"]) == 10
    else:
        assert row["notebook"] == "" and all(row[q] == "" for q in Q) and row["total"] == "0"


@pytest.mark.parametrize("file", HOSTILE)
def test_hostile_gets_nothing(graded, file):
    _, rows, _ = graded
    row = rows[file]
    assert row["status"].startswith("error: tampering"), row
    assert float(row["total"]) == 0 and all(float(row[q]) == 0 for q in Q)


def test_feedback_hides_hidden_tests(graded):
    out, _, _ = graded
    text = (out / "feedback" / "partial.ipynb.md").read_text()
    assert "hidden test failed" in text and "hidden test passed" in text
    assert "`q2_filter_for_max_length - 1`: passed" in text
    for secret in ["exactly_512", "random.Random(7)", "count tokens (sub-words), not words", "pick the target"]:
        assert secret not in text
    stub = (out / "feedback" / "stub.ipynb.md").read_text()
    assert "concatenate_mask must return the row (a dict)" in stub  # public messages are shown
    assert len(list((out / "feedback").iterdir())) == len(list(SAMPLES.iterdir()))


def test_rerun_resumes_and_is_identical(graded, tmp_path):
    out, _, _ = graded
    copy = tmp_path / "again"
    shutil.copytree(out, copy)
    (copy / "grades.csv").unlink()
    done = grade(copy)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "0 to grade" in done.stdout, done.stdout
    assert (copy / "grades.csv").read_text() == (out / "grades.csv").read_text()


def test_results_are_keyed_by_content(graded):
    out, _, _ = graded
    results = [json.loads(p.read_text()) for p in (out / "results").glob("*.json")]
    # the renamed copy of partial.ipynb has the same bytes, so it shares partial's cached result
    assert len(results) == len(list(SAMPLES.iterdir())) - 1


@pytest.mark.parametrize("sample", ["partial.ipynb", "stub.ipynb"])  # full marks: test_release.py
def test_plain_otter_run_agrees(graded, sample, tmp_path):
    """The built zip works with plain `otter run` and gives the batch grader's scores."""
    from bertcourse.grading import otter_run

    _, rows, _ = graded
    grade = otter_run(SAMPLES / sample, ZIP, timeout=300)
    assert [grade.questions[q] for q in Q] == [float(rows[sample][q]) for q in Q]


def test_autograder_zip_has_tests():
    with zipfile.ZipFile(ZIP) as zf:
        assert {f"tests/{q}.py" for q in Q} <= set(zf.namelist())
