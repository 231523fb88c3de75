"""The release built from solutions/: complete, in sync with `make release`, and leaking nothing."""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path

import nbformat

from bertcourse import paths, publish, release


def _tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_every_master_is_released(notebook_name):
    assert (paths.NOTEBOOKS / notebook_name / f"{notebook_name}.ipynb").is_file()
    assert release.zip_path(notebook_name).is_file()


def test_built_outputs_equal_a_fresh_build(notebook_name, tmp_path):
    """What is committed under notebooks/ and autograder/ is exactly what `make release` produces."""
    master = paths.SOLUTIONS / f"{notebook_name}.ipynb"
    release.build_one(master, notebooks_dir=tmp_path / "n", autograder_dir=tmp_path / "a", run_tests=False)
    for built, committed in [(tmp_path / "n" / notebook_name, paths.NOTEBOOKS / notebook_name),
                             (tmp_path / "a" / notebook_name, paths.AUTOGRADER / notebook_name)]:
        fresh, kept = _tree(built), _tree(committed)
        assert sorted(fresh) == sorted(kept), f"files differ in {committed}: run `make release`"
        stale = [name for name in fresh if fresh[name] != kept[name]]
        assert not stale, f"out of date in {committed}: {stale}; run `make release` (never edit by hand)"


def test_generated_tests_compile_on_the_grading_interpreter(notebook_name):
    """otter writes test files in the syntax of the Python that builds them: the suite runs on the course's Python
    (Colab's, pyproject.toml), so every built test file must compile here."""
    import sys

    assert sys.version_info[:2] == release.grading_python(), "run the suite in the course's venv (make test)"
    files = sorted((paths.AUTOGRADER / notebook_name / "tests").glob("*.py"))
    files += sorted((paths.NOTEBOOKS / notebook_name / "tests").glob("*.py"))
    assert files
    for path in files:
        compile(path.read_text(), str(path), "exec")


def test_one_setting_names_the_course_python(notebook_name):
    """pyproject.toml's [tool.bertcourse] python is the only place the version is written: the masters name none,
    the release, the conda environment and the Gradescope zip take it from there."""
    master = nbformat.read(paths.SOLUTIONS / f"{notebook_name}.ipynb", as_version=4)
    assert "python_version" not in master.cells[0].source
    version = release.python_version()
    assert f"  - python={version} " in (paths.REPO / "environment.yml").read_text()
    with zipfile.ZipFile(release.zip_path(notebook_name)) as zf:
        assert zf.read("python-version").decode().strip() == version
        assert f"python={version}" in zf.read("environment.yml").decode()
    config = json.loads((paths.AUTOGRADER / notebook_name / "otter_config.json").read_text())
    assert config.get("python_version") in (None, version)


def test_solution_scores_full_marks(notebook_name, graded_release):
    """The course's grader (trusted verdicts, sandbox) gives every solution full marks."""
    row = graded_release[f"{notebook_name}.ipynb"]
    assert row["status"] == "ok" and row["notebook"] == notebook_name, row
    assert float(row["max"]) > 0 and row["total"] == row["max"], row


def test_untouched_student_notebook_scores_zero_on_every_question(notebook_name, graded_release):
    row = graded_release[f"{notebook_name}.student.ipynb"]
    assert row["status"] == "ok" and row["notebook"] == notebook_name, row
    assert float(row["max"]) > 0 and row["total"] == "0", row


# ------------------------------------------------------------------ leak scan (bertcourse/publish.py)
def test_release_holds_no_solution_line_and_no_hidden_test(notebook_name):
    released = paths.NOTEBOOKS / notebook_name
    assert list(released.glob("tests/*.py")), "the public tests should be released"
    solution, hidden = publish.master_parts(paths.SOLUTIONS / f"{notebook_name}.ipynb")
    assert solution and hidden, "the master should have solution lines and hidden tests to scan for"
    assert publish.find_leaks(released) == []


def test_autograder_holds_every_hidden_test(notebook_name):
    _, hidden = publish.master_parts(paths.SOLUTIONS / f"{notebook_name}.ipynb")
    tests = "\n".join(p.read_text() for p in (paths.AUTOGRADER / notebook_name / "tests").glob("*.py"))
    for name in re.findall(r"def (test_\w+)", "\n".join(hidden)):
        assert name in tests, f"hidden test {name} missing from the autograder"
