"""Simulated Colab runs.

1. The committed student notebooks' set-up and check cells work with no tests/ folder beside them. Colab is
   simulated the way otter detects it (`"google.colab"` in `str(get_ipython())`) and the way the set-up cell
   does (`"google.colab" in sys.modules`). The public tests are "downloaded" from a file:// URL pointing at the
   release instead of GitHub; pip finds the pinned packages already installed in this repository's venv, so
   nothing leaves the machine.
2. The set-up cell leaves Colab's own packages alone: in an environment holding Colab's versions (Python 3.13,
   bertcourse/colab_env/), pip's reports and `pip freeze` before and after show that its installs add only
   what it names, and the public checks run there (needs PyPI the first time; skipped without it).
"""

from __future__ import annotations

import ast
import glob
import hashlib
import json
import os
import shutil
import subprocess
import tempfile
import urllib.request
from pathlib import Path

import nbformat
import pytest
from filelock import FileLock
from jupyter_client import KernelManager
from jupyter_client.kernelspec import KernelSpecManager
from nbclient import NotebookClient
from packaging.requirements import Requirement

from bertcourse import colab, colab_env, paths
from bertcourse import versions as bertcourse_versions
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
    record = bertcourse_versions.recorded(executed)  # what grading will read from the saved file
    assert record == bertcourse_versions.grading(), "the set-up cell records the versions it ran with (the grader's)"


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


# ---------------------------------------------------------------------------------------------------------------
# The set-up cell leaves Colab's packages alone: a simulated Colab environment.
#
# A Python 3.13 virtual environment holding Colab's versions (bertcourse/colab_env/pip-freeze.gpu.txt) of every
# package in the dependency closure of what the set-up cell installs and of the kernel the checks run in, and
# nothing else. Packages Colab lacks (playwright, python-on-whales, jedi, ...) are left out, as in Colab. torch
# (a multi-GB CUDA build) is left out too: the set-up cell only asks it whether a GPU is attached, and a stub
# answers "no". Built once per input (about a minute), cached under /var/tmp, read-only: each test works on a
# hard-linked copy (pip replaces files, it never edits them in place, so the cache stays as built).
# ---------------------------------------------------------------------------------------------------------------


COLAB_CACHE = Path("/var/tmp/bertcourse-colab")
# besides what the set-up cell installs: the pip it runs and the kernel the notebook runs in (Colab's versions;
# notebook 1's public checks need nothing more)
BASE_ROOTS = ["pip", "ipykernel"]
TORCH_STUB = """\
import sys, types
torch = types.ModuleType("torch")  # Colab's CUDA build of torch is not installed here; no GPU either
torch.cuda = types.SimpleNamespace(is_available=lambda: False)
sys.modules["torch"] = torch
"""


def setup_installs() -> list[tuple[str, str]]:
    """The (what, pip arguments) steps exactly as the rendered set-up cell holds them."""
    tree = ast.parse(colab.setup_source("nb1_zero_shot", []))
    (value,) = [node.value for node in tree.body if isinstance(node, ast.Assign)
                and any(getattr(t, "id", None) == "INSTALLS" for t in node.targets)]
    return ast.literal_eval(value)


def _requirements(pip_args: str) -> list[str]:
    return [arg for arg in pip_args.split() if not arg.startswith("-")]


def _named(pip_args: str) -> dict[str, str]:
    """canonical name -> pinned version of each package a step names."""
    reqs = [Requirement(r) for r in _requirements(pip_args)]
    return {colab_env.canonical(r.name): next(iter(r.specifier)).version for r in reqs}


def _colab_python() -> str | None:
    """A Python of Colab's minor version (3.13): on PATH, else pyenv's."""
    minor = ".".join(colab_env.python_version().split(".")[:2])
    candidates = [shutil.which(f"python{minor}") or "", f"/usr/bin/python{minor}",
                  *sorted(glob.glob(f"/root/.pyenv/versions/{minor}*/bin/python{minor}"))]
    for candidate in candidates:  # the pyenv shim on PATH may exist and still fail
        if candidate and Path(candidate).exists() and subprocess.run([candidate, "--version"],
                                                                    capture_output=True).returncode == 0:
            return candidate
    return None


def _pypi_unreachable() -> str | None:
    index = os.environ.get("PIP_INDEX_URL", "https://pypi.org/simple/")
    try:
        urllib.request.urlopen(index.rstrip("/") + "/pip/", timeout=15).close()
        return None
    except OSError as error:
        return f"PyPI ({index}) is unreachable: {error}"


def _pip(python: Path | str, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    done = subprocess.run([str(python), "-m", "pip", *args], capture_output=True, text=True, env=env, timeout=1800)
    assert done.returncode == 0, f"pip {' '.join(args)} failed:\n{done.stderr[-3000:]}"
    return done


def pip_report(python: Path | str, *args: str) -> list[dict]:
    """What `pip install ARGS` would install, from pip's own --dry-run --report: one metadata dict each."""
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "report.json"
        _pip(python, "install", "--quiet", "--dry-run", "--report", str(report), *args)
        return [entry["metadata"] for entry in json.loads(report.read_text())["install"]]


def colab_closure(python: str, roots: list[str]) -> dict[str, str]:
    """name -> version for the dependency closure of `roots` inside Colab: Colab's version of each package it
    ships, the pinned version of each root it lacks; a dependency Colab lacks and no root names is not there
    (and not followed). Dependencies come from each release's metadata (pip --dry-run --no-deps --report),
    markers evaluated for Colab's Python."""
    pins, target = colab_env.pins(), {"python_version": ".".join(colab_env.python_version().split(".")[:2]),
                                      "python_full_version": colab_env.python_version()}
    chosen, seen, todo = {}, set(), [Requirement(r) for r in roots]
    while todo:
        batch = {}
        for req in todo:
            name = colab_env.canonical(req.name)
            pinned = next((s.version for s in req.specifier if s.operator == "=="), None)
            version = pins.get(name) or pinned
            for extra in req.extras or {""}:
                if version is not None and (name, extra) not in seen:
                    seen.add((name, extra))
                    chosen[name] = version
                    batch.setdefault(name, set()).add(extra)
        todo = []
        if batch:
            metadata = {colab_env.canonical(m["name"]): m for m in pip_report(
                python, "--no-deps", "--ignore-installed", *(f"{n}=={chosen[n]}" for n in sorted(batch)))}
            for name, extras in batch.items():
                for line in metadata[name].get("requires_dist") or []:
                    dep = Requirement(line)
                    if dep.marker is None or any(dep.marker.evaluate({**target, "extra": e}) for e in extras):
                        todo.append(dep)
    return chosen


@pytest.fixture(scope="module")
def colab_venv() -> Path:
    """The simulated Colab environment (cached, see above); tests use copies (`colab_copy`)."""
    python = _colab_python()
    if python is None:
        pytest.skip(f"no Python {colab_env.python_version()[:4]} here (Colab's) to simulate Colab with")
    roots = [r for _, pip_args in setup_installs() for r in _requirements(pip_args)] + BASE_ROOTS
    colab_list = (colab_env.HERE / "pip-freeze.gpu.txt").read_bytes()
    version = subprocess.run([python, "--version"], capture_output=True, text=True).stdout
    key = hashlib.sha256(colab_list + json.dumps([roots, python, version]).encode()).hexdigest()[:16]
    target = COLAB_CACHE / key / "venv"
    COLAB_CACHE.mkdir(parents=True, exist_ok=True)
    if (reason := _pypi_unreachable()) is not None:  # to build it, and for the set-up cell's pip commands
        pytest.skip(f"the simulated Colab needs PyPI: {reason}")
    with FileLock(str(COLAB_CACHE / f"{key}.lock")):
        if not (target / ".complete").exists():
            shutil.rmtree(target, ignore_errors=True)
            subprocess.run([python, "-m", "venv", str(target)], check=True)
            pins = colab_env.pins()
            wanted = {name: version for name, version in colab_closure(python, roots).items() if name in pins}
            requirements = target / "colab-requirements.txt"
            requirements.write_text("".join(f"{n}=={v}\n" for n, v in sorted(wanted.items())))
            # --no-deps: exactly Colab's versions (pip, setuptools included), whatever their own pins say
            _pip(target / "bin" / "python", "install", "--quiet", "--no-deps", "-r", str(requirements))
            (target / ".complete").write_text(f"Colab's packages from {colab_env.source()['commit']}\n")
    return target


@pytest.fixture
def colab_copy(colab_venv, tmp_path) -> Path:
    """A private, hard-linked copy of the simulated Colab environment (seconds, no extra disk)."""
    copy = tmp_path / "colab-venv"
    shutil.copytree(colab_venv, copy, symlinks=True, copy_function=os.link)
    return copy


def freeze(venv: Path) -> dict[str, str]:
    lines = _pip(venv / "bin" / "python", "freeze", "--all").stdout.splitlines()
    return {colab_env.canonical(n): v for n, _, v in (line.partition("==") for line in lines) if v}


def test_the_simulated_environment_is_colabs(colab_venv):
    """Every package in it has Colab's version, and the ones otter's own pins would replace are there."""
    installed, pins = freeze(colab_venv), colab_env.pins()
    assert {n: v for n, v in installed.items() if pins.get(n) != v} == {}, "a package differs from Colab's list"
    assert installed["ipywidgets"] == "7.7.1" and installed["wrapt"] == "2.3.0" and installed["pip"] == pins["pip"]


def test_otter_installed_with_its_dependencies_would_change_colab(colab_venv):
    """What the set-up cell avoids (and proof that this simulation can see it): plain resolution of the same
    packages replaces Colab's ipywidgets and wrapt and adds playwright."""
    requirements = [r for _, pip_args in setup_installs() for r in _requirements(pip_args)]
    report = pip_report(colab_venv / "bin" / "python", *requirements)
    would = {colab_env.canonical(m["name"]): m["version"] for m in report}
    assert would.get("ipywidgets", "").startswith("8.") and would.get("wrapt", "").startswith("1.")
    assert "playwright" in would


@pytest.mark.parametrize("step", [what for what, _ in setup_installs()])
def test_each_install_step_changes_no_version_colab_ships(colab_venv, step):
    """pip's own report of the step's exact arguments, against Colab's packages: it installs the packages the
    step names and nothing else (no ipywidgets 8, no playwright, no dependency of its own). Each step against
    Colab's set as it is (they name disjoint packages); the next test runs them in order, as the cell does."""
    pip_args = dict(setup_installs())[step]
    report = pip_report(colab_venv / "bin" / "python", *pip_args.split())
    installed = {colab_env.canonical(m["name"]): m["version"] for m in report}
    pins = colab_env.pins()
    shipped = {n: (pins[n], v) for n, v in installed.items() if n in pins}
    assert shipped == {}, f"{step}: pip would change these packages Colab ships (Colab's, new): {shipped}"
    assert installed == _named(pip_args), f"{step}: pip would install {installed}, the cell names {pip_args}"


def _kernel(venv: Path, folder: Path) -> KernelManager:
    """An IPython kernel running on the simulated environment's Python, reached through socket files."""
    spec = folder / "kernels" / "colab"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [str(venv / "bin" / "python"), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "simulated Colab", "language": "python"}))
    specs = KernelSpecManager(kernel_dirs=[str(spec.parent)])
    return KernelManager(kernel_name="colab", kernel_spec_manager=specs, transport="ipc", ip=str(folder / "kernel"),
                         connection_file=str(folder / "kernel.json"))


def run_in_simulated_colab(venv: Path, cells: list[str], folder: Path, env: dict | None = None) -> list[str]:
    """Run code cells as a Colab notebook (stubs first, working folder `folder`); each cell's text output."""
    return cell_texts(execute_in_simulated_colab(venv, cells, folder, env))


def cell_texts(nb) -> list[str]:
    return [outputs_text(nbformat.v4.new_notebook(cells=[cell])) + "".join(
        str(o.get("data", {}).get("text/plain", "")) for o in cell.outputs) for cell in nb.cells[1:]]


def execute_in_simulated_colab(venv: Path, cells: list[str], folder: Path, env: dict | None = None):
    """The notebook as Colab would save it after running `cells` (the stubs' cell first)."""
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in [COLAB_STUB + TORCH_STUB, *cells]])
    kernel = _kernel(venv, folder)
    client = NotebookClient(nb, km=kernel, timeout=600, allow_errors=True,
                            resources={"metadata": {"path": str(folder)}})
    try:
        client.execute(env={**os.environ, **(env or {}), "PYTHONNOUSERSITE": "1"})
    finally:
        if kernel.has_kernel:
            kernel.shutdown_kernel(now=True)
    return nb


def _solution_cell(name: str, defines: str) -> str:
    nb = nbformat.read(paths.REPO / "autograder" / name / f"{name}.ipynb", as_version=4)
    return next(c.source for c in nb.cells if c.cell_type == "code" and f"def {defines}(" in c.source)


def test_setup_cell_installs_without_changing_colab_and_the_public_checks_run(colab_copy, tmp_path):
    """The set-up cell itself, in the simulated Colab: its pip commands add only the packages it names (pip
    freeze before and after), otter starts on Colab's ipywidgets 7 and wrapt 2, and the public checks of
    notebook 1 pass a solution's answer and fail a wrong one with its message."""
    name = "nb1_zero_shot"
    tests = paths.NOTEBOOKS / name / "tests"
    setup = colab.setup_source(name, ["q1_concatenate_mask.py", "q4_accuracy.py"]).replace(
        colab.tests_url(name), tests.as_uri())
    work = tmp_path / "content"
    work.mkdir()
    before = freeze(colab_copy)
    executed = execute_in_simulated_colab(colab_copy, [
        setup,
        _solution_cell(name, "concatenate_mask"),
        'grader.check("q1_concatenate_mask")',
        "def accuracy(outputs, reference):\n    return 0.5",
        'grader.check("q4_accuracy")',
        "import ipywidgets, wrapt; print(ipywidgets.__version__, wrapt.__version__, str(grader.interpreter))",
    ], work)
    after = freeze(colab_copy)
    outputs = cell_texts(executed)

    changed = {n: (v, after.get(n)) for n, v in before.items() if after.get(n) != v}
    added = {n: v for n, v in after.items() if n not in before}
    named = {n: v for _, pip_args in setup_installs() for n, v in _named(pip_args).items()}
    assert changed == {}, f"the set-up cell changed packages Colab ships: {changed}"
    assert added == named, f"the set-up cell added {added}, it names {named}"

    setup_out, _, q1, _, q4, versions = outputs
    assert "Traceback" not in setup_out and "Could not" not in setup_out, setup_out[-2000:]
    assert [line.split(" ...")[0] for line in setup_out.splitlines() if line.endswith(" ...")] == [
        *(f"Installing {what}" for what, _ in setup_installs()), "Downloading the public checks"]
    assert "No GPU attached" in setup_out
    assert "passed" in q1 and "Hidden tests" in q1 and "Traceback" not in q1, q1
    assert "two of three agree" in q4 and "Hidden tests" in q4, q4
    assert versions.split()[:2] == ["7.7.1", "2.3.0"] and "COLAB" in versions, versions

    record = bertcourse_versions.recorded(executed)  # what grading reads from the saved file, as data
    simulated = {n: after.get(n, "unknown") for n in ("transformers", "datasets", "tokenizers")}  # Colab's or absent
    assert record == {"python": record["python"], "torch": "unknown", "gpu": "none", **simulated}, record
    assert record["python"].startswith(colab_env.python_version()[:4]), record
    assert simulated["datasets"] == colab_env.pins()["datasets"], "evaluate brings datasets: Colab's version"
    assert "Versions: python " in setup_out, "the record is shown to the student too"


def test_a_failed_installation_is_explained_and_check_cells_say_so(colab_copy, tmp_path):
    """pip cannot reach any index: the set-up cell says what failed and what to do, and every check cell says
    it could not check, instead of a NameError."""
    name = "nb1_zero_shot"
    empty = tmp_path / "no-wheels"
    empty.mkdir()
    setup = colab.setup_source(name, ["q1_concatenate_mask.py"]).replace(
        colab.tests_url(name), (paths.NOTEBOOKS / name / "tests").as_uri())
    work = tmp_path / "content"
    work.mkdir()
    setup_out, check_out = run_in_simulated_colab(colab_copy, [setup, 'grader.check("q1_concatenate_mask")'], work,
                                                  env={"PIP_NO_INDEX": "1", "PIP_FIND_LINKS": str(empty)})
    assert setup_out.count("Could not install") == len(setup_installs()), setup_out[-2000:]
    assert "Runtime > Restart session and run this cell again" in setup_out and "tell your instructor" in setup_out
    assert "The checker could not start" in setup_out and "Traceback" not in setup_out, setup_out[-2000:]
    assert "The checker is not installed (see the set-up cell): q1_concatenate_mask not checked." in check_out
    assert "Traceback" not in check_out and "NameError" not in check_out, check_out


def test_training_notebooks_ask_colab_for_a_gpu():
    """Colab's metadata keys for a T4 runtime, on notebooks 2-4 only (nb1 runs a pipeline, no training)."""
    for name in ["nb1_zero_shot", "nb2_yelp_stars", "nb3_mnli_pairs", "nb4_conll_ner"]:
        nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("# Initialize Otter\nimport otter")])
        colab.prepare_student_notebook(nb, name, [])
        wants_gpu = name != "nb1_zero_shot"
        assert (nb.metadata.get("accelerator") == "GPU") == wants_gpu, name
        assert (nb.metadata.get("colab", {}).get("gpuType") == "T4") == wants_gpu, name


def test_refresh_downloads_both_files_at_one_commit_and_records_it(monkeypatch, tmp_path):
    """The refresh command, against a stand-in GitHub (this machine cannot reach the real one)."""
    sha = "0123456789abcdef0123456789abcdef01234567"
    served = {f"https://raw.githubusercontent.com/{colab_env.REPO}/{sha}/{name}": (colab_env.HERE / name).read_bytes()
              for name in colab_env.FILES}
    commit = {"sha": sha, "commit": {"committer": {"date": "2026-08-19T19:33:29Z"},
                                     "message": "Upgrade to Python 3.13\n\nmore"}}
    monkeypatch.setattr(colab_env, "_get", lambda url: served[url] if url in served else json.dumps([commit]).encode())
    info = colab_env.refresh(folder=tmp_path)
    assert json.loads((tmp_path / "source.json").read_text()) == info
    assert info["commit"] == sha and info["message"] == "Upgrade to Python 3.13"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([*colab_env.FILES, "source.json"])


@pytest.mark.parametrize("saved_as", ["nb1_zero_shot (1).ipynb", None], ids=["renamed by a download", "no file"])
def test_checks_and_export_work_when_the_notebook_file_is_renamed_or_absent(saved_as, tmp_path):
    """Outside Colab the checker reads the notebook's file: a copy saved as "nb1_zero_shot (1).ipynb" is found,
    and in a folder without it (a kernel started elsewhere) the checks still run."""
    name = "nb1_zero_shot"
    student = nbformat.read(paths.NOTEBOOKS / name / f"{name}.ipynb", as_version=4)
    setup = student.cells[1].source
    shutil.copytree(paths.NOTEBOOKS / name / "tests", tmp_path / "tests")
    accuracy = "def accuracy(outputs, reference):\n    return sum(o == r for o, r in zip(outputs, reference)) / len(reference)"
    cells = [setup, accuracy, 'grader.check("q4_accuracy")']
    if saved_as:
        cells.append("zip_file = grader.export(pdf=False, run_tests=False)")
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source) for source in cells])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    folder = tmp_path / "work"
    folder.mkdir()
    shutil.copytree(tmp_path / "tests", folder / "tests")
    if saved_as:
        nbformat.write(nb, folder / saved_as)
    NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(folder)}}).execute()
    shown = outputs_text(nb)
    assert "Traceback" not in shown and "Error" not in shown, shown[-2000:]
    result = "".join(str(o.get("data", {}).get("text/plain", "")) for o in nb.cells[2].outputs)
    assert "q4_accuracy results: All test cases passed!" in result, (result, shown[-2000:])
    if saved_as:
        assert [p.name for p in folder.glob("*.zip")], "export should write the submission zip next to the notebook"
