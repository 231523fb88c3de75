"""Make a student notebook work in Google Colab (applied to every student copy by the release build).

Colab lacks otter-grader, evaluate and seqeval, has no `tests/` folder next to the notebook, and cannot run
`grader.export()`. So the student copy gets:
  - an "Open in Colab" badge (built from the repository configured in pyproject.toml, [tool.bertcourse]);
  - a set-up cell in place of otter's init cell: in Colab it installs the missing packages (pinned, without
    changing any version Colab ships: see COLAB_INSTALLS), downloads this notebook's public tests into tests/,
    and says whether a GPU is attached; everywhere it starts a checker whose messages remind students that
    hidden tests decide the score (and, if the installation failed, say so instead of failing with NameError);
  - a submission cell that exports a zip outside Colab and explains the download route inside Colab;
  - for the notebooks that train (GPU_NOTEBOOKS), notebook metadata that makes Colab open them on a T4 GPU.
"""

from __future__ import annotations

import json
import tomllib

import nbformat

from . import paths, versions

# What the set-up cell installs in Colab, one step each: (what the student is told, `pip install` arguments).
# Colab's own versions stay as they are (googlecolab/backend-info's list, committed in bertcourse/colab_env/,
# checked by tests/test_colab.py). otter 7.0.0 requires ipywidgets 8 and wrapt<2: installed with its
# dependencies it would replace Colab's ipywidgets 7.7.1 (Colab's tqdm progress bars stop rendering and Colab
# asks for a "custom widget manager") and wrapt 2.3.0, and add playwright, python-on-whales and jedi. So otter
# comes without them, plus the three that `import otter` and its checks import and Colab lacks (fica, ipylab,
# python-frontmatter; also --no-deps: resolving ipylab's would add jedi). The rest they import (ipywidgets 7,
# wrapt 2, dill, nbformat, nbconvert, pandas, IPython, PyYAML) serves as Colab ships it; python-on-whales
# (`otter grade`) and playwright (PDF export) are never imported there. evaluate and seqeval resolve against
# Colab's packages without changing any.
COLAB_INSTALLS = [
    ("evaluate and seqeval", "evaluate==0.4.6 seqeval==1.2.2"),
    ("otter, the checker", "--no-deps otter-grader==7.0.0 fica==0.4.1 ipylab==1.1.0 python-frontmatter==1.3.0"),
]
GPU_NOTEBOOKS = {"nb2_yelp_stars", "nb3_mnli_pairs", "nb4_conll_ner"}  # they train a model; nb1 only predicts


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
# Set-up. In Google Colab: installs the packages Colab lacks (leaving Colab's own versions as they are) and
# downloads this notebook's public checks into tests/. Everywhere: starts the checker used by the
# grader.check(...) cells. Run it first.
import glob
import inspect
import os
import pathlib
import subprocess
import sys
import urllib.request

IN_COLAB = "google.colab" in sys.modules
TESTS_URL = "{tests_url}"
# --no-deps for otter: its requirements would replace Colab's ipywidgets (Colab's progress bars need it) and wrapt
INSTALLS = {installs}
RETRY = ("Check that Colab is online, then Runtime > Restart session and run this cell again;\\n"
         "if it keeps failing, tell your instructor.")


def pip_install(what, pip_args):
    print(f"Installing {{what}} ...", flush=True)
    done = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", *pip_args.split()],
                          capture_output=True, text=True)
    if done.returncode != 0:
        print(done.stdout[-1500:] + done.stderr[-1500:])
        print(f"Could not install {{what}} (pip's message above).\\n{{RETRY}}")


if IN_COLAB:
    for what, pip_args in INSTALLS:
        pip_install(what, pip_args)
    print("Downloading the public checks ...", flush=True)
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

try:
    from otter import Notebook
    CHECKER_ERROR = None
except Exception as error:  # the installation failed: each check cell then says so (no NameError)
    Notebook, CHECKER_ERROR = object, error
    print(f"The checker could not start ({{error}}).\\n"
          + (RETRY if IN_COLAB else "Install otter-grader 7.0.0 for this Python, then run this cell again."))


class CourseChecker(Notebook):
    """otter's checker, with a reminder under every result: public checks are not the final score."""

    def __init__(self, nb_path):
        if CHECKER_ERROR is None:
            super().__init__(nb_path)

    def export(self, nb_path=None, **kwargs):
        if CHECKER_ERROR is not None:
            print("The checker is not installed (see the set-up cell): nothing exported.")
            return None
        if nb_path is None and self._notebook is None:
            nb_path = this_notebook_file()
            if nb_path is None:
                print("Could not tell which .ipynb file in this folder is this notebook: name it, as in\\n"
                      "grader.export(\\"{name}.ipynb\\", pdf=False, run_tests=False)")
                return None
        return super().export(nb_path, **kwargs)

    def check(self, question, global_env=None):
        if CHECKER_ERROR is not None:
            print(f"The checker is not installed (see the set-up cell): {{question}} not checked.")
            return None
        if not pathlib.Path("tests", f"{{question}}.py").exists():
            print(f"The public checks for {{question}} are missing (see the set-up cell): not checked.")
            return None
        caller_globals = global_env if global_env is not None else inspect.currentframe().f_back.f_globals
        result = super().check(question, caller_globals)
        print("(Public checks only. Hidden tests with other inputs decide your score.)")
        return result


def this_notebook_file():
    """This notebook's file, or None: Colab keeps it elsewhere, and a browser may have saved it under another
    name ("{name} (1).ipynb"). otter reads it only for its settings: the checks run without it."""
    if IN_COLAB:
        return None
    if os.path.isfile("{name}.ipynb"):
        return "{name}.ipynb"
    copies = glob.glob("{name}*.ipynb")
    return copies[0] if len(copies) == 1 else None


grader = CourseChecker(this_notebook_file())


def show_versions():
    """Show the versions this notebook runs with. The output is saved in the notebook's file, so that a difference
    at grading can be traced to them (bertcourse/versions.py reads it; nothing else is recorded)."""
    import importlib.metadata
    import platform
    from IPython.display import display

    versions = {{"python": platform.python_version()}}
    for package in ("torch", "transformers", "datasets", "tokenizers"):
        try:
            versions[package] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            versions[package] = None
    try:
        import torch
        versions["gpu"] = torch.cuda.get_device_name(0) if torch.cuda.is_available() else None
    except Exception:  # a broken torch: the notebook says so later, the record only lacks the GPU
        versions["gpu"] = None
    shown = ", ".join(f"{{name}} {{version}}" for name, version in versions.items() if version)
    display({{"{mime}": versions, "text/plain": f"Versions: {{shown}}"}}, raw=True)


show_versions()'''

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
    return SETUP_TEMPLATE.format(tests_url=tests_url(name), name=name, test_files=sorted(test_files), mime=versions.MIME,
                                 installs=_installs_literal())


def _installs_literal() -> str:
    """COLAB_INSTALLS as the set-up cell spells it: one step a line."""
    steps = "".join(f"\n    ({json.dumps(what)}, {json.dumps(pip_args)})," for what, pip_args in COLAB_INSTALLS)
    return f"[{steps}\n]"


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
    if name in GPU_NOTEBOOKS:
        ask_for_gpu(nb)


def ask_for_gpu(nb: nbformat.NotebookNode) -> None:
    """Colab's own keys (what it writes when saving a notebook set to Runtime > T4 GPU): a student who opens
    the notebook gets a GPU runtime without changing the runtime type first."""
    nb.metadata["accelerator"] = "GPU"
    nb.metadata.setdefault("colab", {})["gpuType"] = "T4"
