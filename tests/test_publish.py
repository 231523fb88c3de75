"""The student repository (`make publish`): only student material, nothing private, links to itself only."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys

import nbformat
import pytest
import yaml

from bertcourse import colab, paths, publish


@pytest.fixture(scope="module")
def student_repo(tmp_path_factory):
    out = tmp_path_factory.mktemp("publish") / "student-repo"
    done = subprocess.run([sys.executable, "-m", "bertcourse", "publish", "--out", str(out)], cwd=paths.REPO,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    return out


def test_it_holds_the_notebooks_their_public_checks_a_readme_and_a_license(student_repo):
    names = [paths.release_name(m) for m in paths.masters()]
    expected = {"README.md", "LICENSE"}
    for name in names:
        expected.add(f"{name}/{name}.ipynb")
        expected |= {f"{name}/tests/{p.name}" for p in (paths.NOTEBOOKS / name / "tests").glob("*.py")}
    assert {p.relative_to(student_repo).as_posix() for p in student_repo.rglob("*") if p.is_file()} == expected
    readme = (student_repo / "README.md").read_text()
    for name in names:
        assert colab.badge_markdown(name) in readme and "T4" in readme


def test_nothing_private_is_in_it(student_repo):
    assert publish.find_leaks(student_repo) == []


def test_the_leak_check_fails_on_planted_private_material(student_repo, tmp_path):
    copy = tmp_path / "planted"
    shutil.copytree(student_repo, copy)
    name = "nb1_zero_shot"
    solution, hidden = publish.master_parts(paths.SOLUTIONS / f"{name}.ipynb")
    hidden_test = re.findall(r"def (test_\w+)", "\n".join(hidden))[0]
    nb = nbformat.read(copy / name / f"{name}.ipynb", as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell("    " + sorted(solution)[0]))
    nbformat.write(nb, copy / name / f"{name}.ipynb")
    (copy / name / "tests" / "extra.py").write_text(f"def {hidden_test}():\n    pass\n")
    shutil.copy(paths.REPO / "tests" / "submissions" / "perfect.ipynb", copy / "example.ipynb")
    shutil.copy(paths.AUTOGRADER / name / f"{name}-autograder.zip", copy / "autograder.zip")
    (copy / "NOTES.md").write_text(f"see github.com/{colab.config()['instructor_repo']}\n")
    leaks = "\n".join(publish.find_leaks(copy))
    for kind in ["solution line", f"hidden test {hidden_test}", "a sample submission", "an autograder file",
                 "names the instructor repository"]:
        assert kind in leaks, f"the leak check missed: {kind}"


def test_no_student_facing_file_names_the_instructor_repository(student_repo):
    cfg = colab.config()
    assert cfg["instructor_repo"] != cfg["student_repo"]
    for path in list(student_repo.rglob("*")) + list(paths.NOTEBOOKS.rglob("*")):
        if path.is_file():
            text = path.read_text(errors="replace")
            assert cfg["instructor_repo"] not in text, path
            for repo in re.findall(r"(?:colab\.research\.google\.com/github|raw\.githubusercontent\.com)/"
                                   r"([\w.-]+/[\w.-]+)", text):
                assert repo == cfg["student_repo"], f"{path} opens or downloads from {repo}"


def test_workflows_are_valid_and_run_the_readme_commands():
    readme = (paths.REPO / "README.md").read_text()
    workflows = paths.REPO / ".github" / "workflows"
    ci = yaml.safe_load((workflows / "ci.yml").read_text())
    release = yaml.safe_load((workflows / "publish.yml").read_text())
    ci_steps = " ".join(str(step.get("run", "")) for step in ci["jobs"]["test"]["steps"])
    release_steps = " ".join(str(step.get("run", "")) for step in release["jobs"]["publish"]["steps"])
    assert "make test" in ci_steps and "make test" in readme
    assert "make test" in release_steps and "make publish" in release_steps and "make publish" in readme
    assert release[True]["push"]["tags"] == ["v*"], "publish on tagged releases"  # YAML reads `on` as True
    assert "secrets.STUDENT_REPO_DEPLOY_KEY" in (workflows / "publish.yml").read_text()
    assert "STUDENT_REPO_DEPLOY_KEY" in readme, "the README says how to set up the deploy key"
