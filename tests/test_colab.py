"""A simulated Colab run: the student notebook's set-up and check cells work with no tests/ folder beside it.

Colab is simulated the way otter detects it (`"google.colab"` in `str(get_ipython())`) and the way the set-up
cell does (`"google.colab" in sys.modules`). The public tests are "downloaded" from a file:// URL pointing at
the release instead of GitHub; pip finds the pinned packages already installed, so nothing leaves the machine.
"""

from __future__ import annotations

import nbformat

from bertcourse import colab, paths
from bertcourse.execute import execute_notebook, outputs_text

COLAB_STUB = """\
import importlib.machinery, sys, types
stub = types.ModuleType("google.colab")
stub.__spec__ = importlib.machinery.ModuleSpec("google.colab", None)  # libraries probe it with find_spec
sys.modules["google.colab"] = stub
type(get_ipython()).__module__ = "google.colab._shell"  # otter looks for google.colab in str(get_ipython())
"""


def _colab_copy(name: str, tmp_path, tests_uri: str | None = None):
    nb = nbformat.read(paths.NOTEBOOKS / name / f"{name}.ipynb", as_version=4)
    setup = nb.cells[1]
    assert setup.source.startswith("# Set-up."), "the set-up cell must come right after the badge"
    setup.source = setup.source.replace(colab.tests_url(name), tests_uri or (paths.NOTEBOOKS / name / "tests").as_uri())
    nb.cells = [c for c in nb.cells if "otter_ignore" not in c.metadata.get("tags", [])]
    nb.cells.insert(1, nbformat.v4.new_code_cell(COLAB_STUB))
    nb.cells.append(nbformat.v4.new_code_cell(
        "import os\ndownloaded = sorted(os.listdir('tests'))\nchecker_in_colab = str(grader.interpreter)"))
    path = tmp_path / f"{name}.ipynb"
    nbformat.write(nb, path)
    return path


def test_student_notebook_runs_its_checks_in_simulated_colab(notebook_name, tmp_path):
    """The untouched student copy, run top to bottom as a student would (unfinished answers may raise)."""
    name = notebook_name
    executed, _, values = execute_notebook(_colab_copy(name, tmp_path), collect=("downloaded", "checker_in_colab"),
                                           allow_errors=True)
    expected = sorted(p.name for p in (paths.NOTEBOOKS / name / "tests").glob("*.py"))
    assert values["downloaded"] == expected, "the set-up cell should fetch every public test into tests/"
    assert "COLAB" in values["checker_in_colab"], "otter should believe it runs in Colab"
    assert "Traceback" not in outputs_text(nbformat.v4.new_notebook(cells=executed.cells[:3])), "set-up failed"
    text = outputs_text(executed)
    checks = [c for c in executed.cells if c.cell_type == "code" and c.source.startswith("grader.check(")]
    assert checks, "the student notebook should have check cells"
    for cell in checks:
        shown = "".join(o.get("text", "") + str(o.get("data", {}).get("text/plain", "")) for o in cell.outputs)
        assert "Hidden tests" in shown, f"{cell.source}: no reminder that hidden tests decide the score"
        assert "failed" in shown.lower(), f"{cell.source}: a stub should fail its public check: {shown[:300]}"
        text += shown
    assert "Error at line" in text, "failure messages should reach the student"
    assert "No GPU attached" in text, "the set-up cell should say that no GPU is attached and what that costs"


def test_an_unreachable_student_repository_is_explained_and_the_notebook_still_runs(tmp_path):
    name = "nb1_zero_shot"
    executed, _, values = execute_notebook(_colab_copy(name, tmp_path, "file:///nonexistent/tests"),
                                           collect=("downloaded",), allow_errors=True)
    setup_output = outputs_text(nbformat.v4.new_notebook(cells=executed.cells[:3]))
    assert "Traceback" not in setup_output, setup_output[-1500:]
    assert "Could not download the public checks from file:///nonexistent/tests" in setup_output
    assert values["downloaded"] == []
    checks = [c for c in executed.cells if c.cell_type == "code" and c.source.startswith("grader.check(")]
    shown = outputs_text(nbformat.v4.new_notebook(cells=checks))
    assert shown.count("are missing (see the set-up cell)") == len(checks) and "Traceback" not in shown


def test_badges_in_notebooks_and_readme_use_the_student_repository(notebook_name):
    url = colab.notebook_url(notebook_name)
    assert colab.config()["student_repo"] in url
    first_cell = nbformat.read(paths.NOTEBOOKS / notebook_name / f"{notebook_name}.ipynb", as_version=4).cells[0]
    assert url in first_cell.source, "the student notebook should open with its Colab badge"
    assert url in (paths.REPO / "README.md").read_text(), "README's badge for this notebook is out of date"
