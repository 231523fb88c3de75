"""Make a student notebook work in Google Colab (applied to every student copy by the release build).

Colab lacks otter-grader, evaluate and seqeval, has no `tests/` folder next to the notebook, and cannot run
`grader.export()`. So the student copy gets:
  - an "Open in Colab" badge (built from the repository configured in pyproject.toml, [tool.bertcourse]);
  - a set-up cell in place of otter's init cell: in Colab it installs the missing packages (pinned, quietly),
    downloads this notebook's public tests into tests/, and says whether a GPU is attached; everywhere it starts
    a checker whose messages remind students that hidden tests decide the score;
  - a submission cell that exports a zip outside Colab and explains the download route inside Colab.
"""

from __future__ import annotations

import tomllib

import nbformat

from . import paths

COLAB_PACKAGES = ["otter-grader==7.0.0", "evaluate==0.4.6", "seqeval==1.2.2"]  # what Colab does not preinstall


def config() -> dict[str, str]:
    data = tomllib.loads((paths.REPO / "pyproject.toml").read_text())
    return data["tool"]["bertcourse"]


def notebook_url(name: str) -> str:
    """Where Colab opens the notebook: in the student repository (bertcourse/publish.py), never this one."""
    cfg = config()
    return f"https://colab.research.google.com/github/{cfg['student_repo']}/blob/{cfg['branch']}/{name}/{name}.ipynb"


def tests_url(name: str) -> str:
    cfg = config()
    return f"https://raw.githubusercontent.com/{cfg['student_repo']}/{cfg['branch']}/{name}/tests"


def badge_markdown(name: str) -> str:
    return f"[![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)]({notebook_url(name)})"


SETUP_TEMPLATE = '''\
# Set-up. In Google Colab: installs the packages Colab lacks and downloads this notebook's public checks
# into tests/. Everywhere: starts the checker used by the grader.check(...) cells. Run it first.
import inspect
import pathlib
import subprocess
import sys
import urllib.request

IN_COLAB = "google.colab" in sys.modules
TESTS_URL = "{tests_url}"

if IN_COLAB:
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", {packages}], check=True)
    pathlib.Path("tests").mkdir(exist_ok=True)
    try:
        for test_file in {test_files}:
            urllib.request.urlretrieve(f"{{TESTS_URL}}/{{test_file}}", f"tests/{{test_file}}")
    except OSError as error:
        print(f"Could not download the public checks from {{TESTS_URL}}\\n({{error}}).\\n"
              "The notebook still runs, but its grader.check(...) cells cannot check your answers.\\n"
              "Check that Colab is online and run this cell again; if it keeps failing, tell your instructor.")
    import torch
    if torch.cuda.is_available():
        print("GPU:", torch.cuda.get_device_name(0))
    else:
        print("No GPU attached: model cells run many times slower on the CPU (training in notebooks 2-4\\n"
              "takes hours instead of minutes). Runtime > Change runtime type > T4 GPU, then run from the top.")

import otter


class CourseChecker(otter.Notebook):
    """otter's checker, with a reminder under every result: public checks are not the final score."""

    def check(self, question, global_env=None):
        if not pathlib.Path("tests", f"{{question}}.py").exists():
            print(f"The public checks for {{question}} are missing (see the set-up cell): not checked.")
            return None
        caller_globals = global_env if global_env is not None else inspect.currentframe().f_back.f_globals
        result = super().check(question, caller_globals)
        print("(Public checks only. Hidden tests with other inputs decide your score.)")
        return result


grader = CourseChecker(None if IN_COLAB else "{name}.ipynb")  # Colab keeps the notebook file elsewhere'''

SUBMIT_MARKDOWN = """\
## Submission

Run every cell from the top first (*Runtime → Run all* in Colab), so that your outputs are current.
- **In Colab:** *File → Download → Download .ipynb* and submit that file.
- **In Jupyter on your own machine:** run the cell below; it writes a zip file to submit."""

SUBMIT_CODE = """\
if IN_COLAB:
    print("In Colab, submit the .ipynb: File > Download > Download .ipynb")
else:
    grader.export(pdf=False, run_tests=False)"""


def setup_source(name: str, test_files: list[str]) -> str:
    return SETUP_TEMPLATE.format(tests_url=tests_url(name), name=name, test_files=sorted(test_files),
                                 packages=", ".join(repr(p) for p in COLAB_PACKAGES))


def prepare_student_notebook(nb: nbformat.NotebookNode, name: str, test_files: list[str]) -> None:
    """Rewrite otter's student notebook in place for Colab (see module docstring)."""
    locked = {"deletable": False, "editable": False}
    cells = []
    for cell in nb.cells:
        if cell.cell_type == "code" and cell.source.startswith("# Initialize Otter"):
            cell = nbformat.v4.new_code_cell(setup_source(name, test_files), metadata=dict(locked))
        elif cell.cell_type == "code" and "grader.export(" in cell.source:
            cell = nbformat.v4.new_code_cell(SUBMIT_CODE, metadata=dict(locked))
        elif cell.cell_type == "markdown" and cell.source.startswith("## Submission"):
            cell = nbformat.v4.new_markdown_cell(SUBMIT_MARKDOWN, metadata=dict(locked))
        elif cell.cell_type == "markdown" and not cell.source.strip():
            continue  # otter leaves an empty markdown cell at the end
        cells.append(cell)
    nb.cells = [nbformat.v4.new_markdown_cell(badge_markdown(name))] + cells
