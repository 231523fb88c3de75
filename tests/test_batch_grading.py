"""The batch grader on the sample submissions (tests/samples.py): every file gets exactly the row it deserves.

The folder is graded ONCE per session (module fixture: 2 workers, a 40 s time limit so the endless loop ends
soon; a finished sample takes about two seconds), in the bubblewrap sandbox. Then: honest habits keep full
marks, attacks earn nothing, nothing a sample started survives, the grades and the cache cannot be changed
from inside, feedback shows no hidden test, and a re-run gives the same bytes.
"""

from __future__ import annotations

import csv
import html
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

import samples
from course_runs import graded_samples
from bertcourse import paths
from bertcourse.release import offline_env
from bertcourse.sandbox import bwrap_usable

ZIP = paths.AUTOGRADER / "nb1_zero_shot" / "nb1_zero_shot-autograder.zip"
QUESTIONS = {samples.NB1: samples.FULL1, **samples.FULL}

pytestmark = pytest.mark.skipif(bwrap_usable() is not None or os.geteuid() != 0,
                                reason=f"the grader's sandbox needs root and bubblewrap ({bwrap_usable()}); "
                                       "`make test` installs bubblewrap")


def grade(out: Path, *extra: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "bertcourse", "grade", str(samples.FOLDER), "--out", str(out),
                           "--workers", "2", "--timeout", "40", *extra], cwd=paths.REPO,
                          env=env or offline_env(out), capture_output=True, text=True, timeout=900)


def read_rows(out: Path) -> dict[str, dict]:
    return {r["file"]: r for r in csv.DictReader((out / "grades.csv").open(encoding="utf-8"))}


def _venv_pth_files() -> set[str]:
    return {str(p) for p in Path(sys.prefix).rglob("*.pth")}


@pytest.fixture(scope="module")
def graded():
    run = graded_samples()
    assert run["returncode"] == 0, run["stdout"][-3000:] + run["stderr"][-3000:]
    out = Path(run["out"])
    return out, read_rows(out), run["stdout"], set(run["pth_before"]), run["csv"].encode("utf-8")


def test_samples_are_in_sync_with_their_generator():
    built = samples.build()
    on_disk = {p.name: p.read_bytes() for p in samples.FOLDER.iterdir() if p.is_file()}
    assert sorted(on_disk) == sorted(built), "run `.venv/bin/python tests/samples.py`"
    assert [n for n in built if built[n] != on_disk[n]] == [], "run `.venv/bin/python tests/samples.py`"
    assert set(built) == set(samples.EXPECTED), "every sample needs its expected row"


def test_one_row_per_file(graded):
    out, rows, _, _, _ = graded
    files = sorted(p.name for p in samples.FOLDER.iterdir())
    lines = (out / "grades.csv").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 1 + len(files)
    assert sorted(r.lstrip("'") for r in rows) == files
    assert len(list((out / "feedback").iterdir())) == len(files)


def _row(rows, file):
    return rows["'" + file] if file.startswith("=") else rows[file]


@pytest.mark.parametrize("file", sorted(samples.EXPECTED))
def test_row(graded, file):
    _, rows, _, _, _ = graded
    row = _row(rows, file)
    status, notebook, scores = samples.EXPECTED[file]
    assert row["status"].startswith(status), row
    assert row["notebook"] == (notebook or ""), row
    if notebook is None:
        assert row["total"] == "0" and row["max"] == ""
        return
    points = QUESTIONS[notebook]
    got = {q: float(row[q]) for q in points}
    assert got == {q: float((scores or {}).get(q, 0)) for q in points}, row
    assert float(row["total"]) == sum(got.values()) <= float(row["max"]) == sum(points.values())


def test_formula_in_a_file_name_is_neutralised(graded):
    out, _, _, _, _ = graded
    line = [l for l in (out / "grades.csv").read_text(encoding="utf-8").splitlines() if "HYPERLINK" in l][0]
    assert line.startswith("\"'=HYPERLINK") or line.startswith("'=HYPERLINK"), line


def test_feedback_shows_public_messages_and_nothing_of_hidden_tests(graded):
    out, _, _, _, _ = graded
    partial = (out / "feedback" / "partial.ipynb.md").read_text()
    assert "hidden test failed" in partial and "hidden test passed" in partial
    assert "`q2_filter_for_max_length - 1`: passed" in partial
    stub = (out / "feedback" / "stub.ipynb.md").read_text()
    assert "concatenate_mask must return a dict" in stub  # a public test's message reaches the student
    secrets = samples.hidden_only_lines()
    assert secrets
    for path in (out / "feedback").iterdir():
        text = path.read_text()
        leaked = [s for s in secrets if s in text]
        assert not leaked, f"{path.name} shows hidden test lines: {leaked[:3]}"
        assert "# BEGIN SOLUTION" not in text and "otter_assign_solution_cell" not in text, path.name


def test_feedback_names_the_cell_stopped_at_its_time_limit(graded):
    """--timeout 40: each cell may run 10 s. The endless loop after question 1 is stopped there, and every answer
    keeps its marks (the rows above); the feedback says which cell and after how long."""
    out = graded[0]
    for file, first_line in [("infinite_loop.ipynb", "while True:"), ("loop_that_catches_the_stop.ipynb", "import time")]:
        text = (out / "feedback" / f"{file}.md").read_text()
        assert re.search(rf"- code cell \d+ \(`{re.escape(first_line)}`\): cell \d+ was stopped after 10 s", text), text
        assert "1 code cell(s) raised an error or ran out of time" in text, text


def _mistakes_under_questions(feedback: str) -> dict[str, list[str]]:
    """{question: its `Likely mistake:` lines} of one feedback file."""
    out, question = {}, None
    for line in feedback.splitlines():
        if line.startswith("## "):
            question = line[3:].split(":")[0]
        elif line.startswith("Likely mistake: "):
            out.setdefault(question, []).append(line)
    return out


def test_feedback_names_each_kept_mistake_under_its_question_and_nothing_for_other_samples(graded):
    from bertcourse import mistakes

    out = graded[0]
    lines = {f"{k.function}/{k.name}": k.says for f in mistakes.functions() for k in mistakes.known(f)}
    secrets = samples.hidden_only_lines()
    for path in sorted((out / "feedback").iterdir()):
        feedback = path.read_text()
        file = feedback.splitlines()[0].removeprefix("# Feedback: ")  # the file name as shown (feedback names are safe)
        expected = {q: [lines[m]] for q, m in samples.MISTAKES.get(file, {}).items()}
        assert _mistakes_under_questions(feedback) == expected, file
        assert feedback.count("Likely mistake:") == len(expected), f"{file}: a line outside the grader's own"
    for found in lines.values():
        assert not [s for s in secrets if s in found], found
    report = (out / "report.html").read_text()
    assert "<h3>Likely mistakes</h3>" in report
    for file, found in samples.MISTAKES.items():
        for mistake in found.values():
            assert html.escape(lines[mistake]) in report, mistake


def test_feedback_and_report_show_where_the_students_versions_differ_from_grading(graded):
    from bertcourse import versions

    out = graded[0]
    grading, student = versions.grading(), samples.colab_versions()
    colab = (out / "feedback" / "versions_from_colab.ipynb.md").read_text()
    differ = [n for n in versions.FIELDS if versions.differs(student[n], grading[n])]
    assert "transformers" in differ and "gpu" in differ, "the simulated Colab and this grader differ here"
    for n in versions.FIELDS:
        line = f"- {n}: {student[n]} in your notebook, {grading[n]} at grading"
        assert (line in colab) == (n in differ), (line, colab)
    for file in ["versions_malformed.ipynb", "perfect.ipynb"]:  # odd or missing record: unknown, never an error
        assert "Versions your notebook ran with: unknown" in (out / "feedback" / f"{file}.md").read_text()
    report = (out / "report.html").read_text()
    assert "Versions the notebooks ran with" in report and "Tesla T4 (1)" in report
    assert f"{student['transformers']} (1)" in report


def test_feedback_names_the_failed_cell_and_why_cuda_fails_at_grading(graded):
    """A model cell ending in .to("cuda") (natural in Colab with a GPU) fails on the GPU-less grader: its feedback
    names that cell, its error and the set-up cell's `device`; the same notebook on `device` keeps full marks."""
    from bertcourse.outputs import NO_GPU_HINT

    out = graded[0]
    cuda = (out / "feedback" / "nb3_mnli_pairs_model_on_cuda.ipynb.md").read_text()
    assert NO_GPU_HINT in cuda
    assert "(`set_seed(42)`)" in cuda and ("CUDA" in cuda or "NVIDIA" in cuda), cuda
    on_device = (out / "feedback" / "nb3_mnli_pairs_model_on_device.ipynb.md").read_text()
    assert NO_GPU_HINT not in on_device and "raised an error" not in on_device
    perfect = (out / "feedback" / "perfect.ipynb.md").read_text()
    assert NO_GPU_HINT not in perfect


def test_nothing_a_submission_started_survives(graded):
    alive = []
    for entry in os.listdir("/proc"):
        try:
            if entry.isdigit() and samples.ATTACK_TOKEN.encode() in Path(f"/proc/{entry}/cmdline").read_bytes():
                alive.append(entry)
        except OSError:
            pass
    assert alive == [], f"processes left by a submission: {alive}"


def test_a_submission_cannot_change_grades_the_cache_or_the_venv(graded):
    out, _, _, pth_before, csv_bytes = graded
    time.sleep(2)  # a left-over writer would have struck by now
    assert (out / "grades.csv").read_bytes() == csv_bytes
    assert _venv_pth_files() == pth_before, "a .pth file appeared in the venv"
    assert not Path("/tmp/pwned").exists()


def test_rerun_resumes_and_is_identical(graded, tmp_path):
    out, _, _, _, _ = graded
    copy = tmp_path / "again"
    shutil.copytree(out, copy)
    (copy / "grades.csv").unlink()
    done = grade(copy)
    assert done.returncode == 0, done.stderr[-3000:]
    assert " 0 to grade" in done.stdout, done.stdout
    assert (copy / "grades.csv").read_bytes() == (out / "grades.csv").read_bytes()


def test_a_forged_cache_entry_is_not_trusted(graded, tmp_path):
    """A results file edited outside the grader fails its signature, so the batch grades that file again."""
    from bertcourse.cache import ResultsCache

    out, _, _, _, _ = graded
    copy = tmp_path / "results"
    shutil.copytree(out / "results", copy)
    results = ResultsCache(copy)
    forged = 0
    for path in sorted(copy.glob("*.json")):
        stored = json.loads(path.read_text())
        result = json.loads(stored["result"])
        if result.get("status") == "ok" and sum(result["questions"].values()) == 0:
            assert results.get(path.stem, None) == result  # it verifies as written by the grader
            result["questions"] = dict(samples.FULL1)
            stored["result"] = json.dumps(result, sort_keys=True)
            path.write_text(json.dumps(stored))
            assert results.get(path.stem, None) is None, "a forged result was accepted"
            forged += 1
    assert forged > 3


def test_identical_files_are_graded_once(graded):
    out, _, _, _, _ = graded
    contents = {p.read_bytes() for p in samples.FOLDER.iterdir()}
    assert len(list((out / "results").glob("*.json"))) <= len(contents)


def test_grading_refuses_without_a_sandbox(tmp_path):
    env = dict(offline_env(tmp_path), PATH="/nonexistent")  # no bwrap on the PATH
    done = grade(tmp_path / "out", env=env)
    assert done.returncode == 3, done.stdout + done.stderr
    assert "bubblewrap is not installed" in done.stderr and "--no-sandbox" in done.stderr
    assert not (tmp_path / "out" / "grades.csv").exists()


@pytest.mark.parametrize("sample", ["partial.ipynb"])
def test_plain_otter_run_agrees_on_honest_submissions(graded, sample):
    """The built zip still works with plain `otter run` (otter's own, weaker guarantees) and agrees here."""
    from bertcourse.grading import otter_run

    _, rows, _, _, _ = graded
    result = otter_run(samples.FOLDER / sample, ZIP, timeout=300)
    assert [result.questions[q] for q in samples.Q1] == [float(rows[sample][q]) for q in samples.Q1]


# Forty processes that spin until the job ends, each in a session (so a scheduling group) of its own: without
# protection, a neighbour graded beside this gets a fortieth of the CPU and runs out of time.
CPU_FLOOD = ("import os, time\nfor _ in range(40):\n    if os.fork() == 0:\n        os.setsid()\n"
             "        while True:\n            pass\n"
             "time.sleep(600)\n")


def test_a_neighbour_flooding_the_cpu_changes_no_grade(tmp_path):
    """One core, two workers: honest notebooks graded beside the flood would time out. A result that hit a limit
    while the machine was shared is graded again alone, so the rows are what each notebook earns on its own."""
    folder = tmp_path / "submissions"
    folder.mkdir()
    (folder / "a_flood_nb1_zero_shot.ipynb").write_bytes(samples.as_bytes(samples.with_cell(samples.student(),
                                                                                            CPU_FLOOD)))
    for copy in range(3):
        honest = samples.perfect()
        honest.metadata["copy"] = copy  # distinct bytes: graded three times, not once
        (folder / f"b_honest{copy}_nb1_zero_shot.ipynb").write_bytes(samples.as_bytes(honest))
    out = tmp_path / "out"
    core = min(os.sched_getaffinity(0))
    done = subprocess.run([sys.executable, "-m", "bertcourse", "grade", str(folder), "--out", str(out),
                           "--workers", "2", "--timeout", "20"], cwd=paths.REPO, env=offline_env(out),
                          capture_output=True, text=True, timeout=600,
                          preexec_fn=lambda: os.sched_setaffinity(0, {core}))  # the flood and its neighbour share it
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    rows = read_rows(out)
    # the flood's sleeping cell is stopped at its limit (5 s); its stub answers earn nothing either way
    assert rows["a_flood_nb1_zero_shot.ipynb"]["status"] in ("ok", "timeout")
    assert float(rows["a_flood_nb1_zero_shot.ipynb"]["total"] or 0) == 0
    for copy in range(3):
        row = rows[f"b_honest{copy}_nb1_zero_shot.ipynb"]
        assert (row["status"], row["total"]) == ("ok", "10"), row
    assert "graded again alone" in done.stdout, done.stdout


def _hidden_only_strings(name: str = samples.NB1) -> set[str]:
    """String constants of the autograder's tests (hidden cases' inputs among them) that no public test has."""
    import ast

    def strings(folder: Path) -> set[str]:
        out = set()
        for path in folder.glob("*.py"):
            out |= {n.value for n in ast.walk(ast.parse(path.read_text())) if isinstance(n, ast.Constant)
                    and isinstance(n.value, str) and len(n.value) >= 12}
        return out

    released = (paths.NOTEBOOKS / name / f"{name}.ipynb").read_text()  # what the student was given anyway
    return {s for s in strings(paths.AUTOGRADER / name / "tests") - strings(paths.NOTEBOOKS / name / "tests")
            if s not in released}


def test_no_hidden_input_reaches_a_students_feedback(graded):
    """A function that records every argument it gets (in its folder, in memory shared between test processes)
    and raises them in its message: public cases run before any hidden one, so its public messages hold public
    inputs only."""
    out = graded[0]
    recorded = (out / "feedback" / "attack_hidden_inputs_to_feedback.ipynb.md").read_text()
    assert "inputs seen so far" in recorded
    secrets = _hidden_only_strings()
    assert secrets
    for path in (out / "feedback").iterdir():
        leaked = [s for s in secrets if s in path.read_text()]
        assert not leaked, f"{path.name} shows hidden test inputs: {leaked[:3]}"


def test_grader_failures_are_graded_again_and_never_cached(graded):
    out, rows, stdout, _, _ = graded
    assert not [f for f, r in rows.items() if r["status"].startswith("error: grader:")], stdout[-3000:]
    for path in (out / "results").glob("*.json"):
        assert "error: grader:" not in path.read_text()
