"""Build the student release and the autograder from the masters, reproducibly.

For every master `solutions/<name>.ipynb`, `otter assign` (which also grades the solution and fails
below 100 %) writes a student copy and an autograder. We then make the output byte-stable so that a
second `make release` leaves `git status` clean:
  - cell ids are renumbered (otter adds cells with random ids);
  - the autograder zip is rebuilt with sorted entries and a fixed timestamp, under a fixed name;
  - the zip becomes the course's autograder: its setup.sh / run_autograder (bertcourse/gradescope_files/) grade
    with the same trusted-verdict grader as `make grade` (the course package travels in files/bertcourse/),
    its requirements.txt / environment.yml pin every package the notebooks need (PyTorch's CPU build), and it
    carries grading.json and the public checks (bertcourse/assignment.py). otter's own run_otter.py,
    otter_config.json and tests stay, so `otter run -a` keeps working;
  - the student copy is prepared for Google Colab (bertcourse/colab.py).

Outputs:  notebooks/<name>/   the student notebook + public tests
          autograder/<name>/  the solution notebook, all tests, otter_config.json, <name>-autograder.zip
"""

from __future__ import annotations

import json
import re
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import nbformat

from . import OFFLINE_ENV, colab, paths
from .assignment import PUBLIC_TESTS, REFERENCE_ANSWERS, SPEC_NAME

ZIP_DATE = (2020, 1, 1, 0, 0, 0)
GRADESCOPE_FILES = Path(__file__).resolve().parent / "gradescope_files"
NOT_FOR_GRADING = {"pytest", "pytest-xdist", "jupyter", "filelock"}  # the course's own tools, not the notebooks'
TORCH_CPU_INDEX = "https://download.pytorch.org/whl/cpu"


def offline_env(scratch: Path) -> dict[str, str]:
    """The environment every build, run and grade uses here: offline fixtures, no hub calls.

    `datasets` caches a local parquet folder under its folder and file names, not its content: a cache
    warmed by an older fixture is silently reused after the fixture changes (a stale CoNLL fixture once
    made nb4 look as if it learned, 0.86 entity F1, where the current one gives 0.44). So every run gets
    its own datasets cache, under `scratch` (a folder the caller deletes)."""
    env = dict(os.environ)
    env.update({OFFLINE_ENV: "1", "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1",
                "HF_DATASETS_CACHE": str(Path(scratch) / "hf-datasets-cache"),
                "TOKENIZERS_PARALLELISM": "false", "PYTHONHASHSEED": "0"})
    env.setdefault("OMP_NUM_THREADS", "1")  # kernels often run side by side (pytest -n 2): no oversubscription
    return env


def grading_python() -> tuple[int, ...]:
    """Colab's Python, the course's one setting (pyproject.toml; read when needed: the Gradescope zip has none)."""
    return tuple(int(part) for part in colab.config()["python"].split("."))


def python_version() -> str:
    return ".".join(map(str, grading_python()))


def check_build_interpreter() -> None:
    """Refuse to build on another Python: otter unparses the tests with the running interpreter (on 3.12+ it
    writes nested same-quote f-strings, a SyntaxError before 3.12), and students write their answers in Colab's
    Python, so the build, the tests and the grading all use that one version."""
    if sys.version_info[:2] != grading_python():
        want = python_version()
        raise SystemExit(f"make release needs Python {want} (Colab's, set in pyproject.toml), not "
                         f"{sys.version.split()[0]}: rebuild the venv with `make clean venv`")


def otter_executable() -> str:
    return str(Path(sys.executable).with_name("otter"))


def normalize_notebook(path: Path, transform=None) -> None:
    """Renumber cell ids and drop editor metadata, so the file depends only on the master's content.
    `transform(nb)`, if given, edits the notebook first."""
    nb = nbformat.read(path, as_version=4)
    if transform is not None:
        transform(nb)
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"cell-{i:03d}"
        cell.metadata.pop("lines_to_next_cell", None)
    nb.metadata.pop("jupytext", None)
    nbformat.write(nb, path)


def grading_spec(master: Path) -> dict:
    """What the batch grader needs from the master beyond otter's tests (see bertcourse/assignment.py): the
    set-up cells (code outside the questions, not `otter_ignore`d) and the sources of the ignored cells."""
    nb = nbformat.read(master, as_version=4)
    setup, ignored, depth = [], [], 0
    for cell in nb.cells:
        first = cell.source.lstrip().split("\n", 1)[0].strip().upper()
        if cell.cell_type == "raw":
            depth += first == "# BEGIN QUESTION"
            depth -= first == "# END QUESTION"
        elif cell.cell_type == "code":
            if "otter_ignore" in cell.metadata.get("tags", []):
                ignored.append(cell.source)
            elif depth == 0:
                setup.append(cell.source)
    return {"name": paths.release_name(master), "setup_cells": setup, "ignored_cells": ignored}


def solution_sources(autograder_notebook: Path) -> list[str]:
    """The solution of every answer cell of otter's autograder notebook, in order, as a student would type it
    (no otter markers, no prompt)."""
    out = []
    for cell in nbformat.read(autograder_notebook, as_version=4).cells:
        if "otter_assign_solution_cell" in cell.metadata.get("tags", []):
            source = re.sub(r'""" # BEGIN PROMPT.*?""" # END PROMPT\n?', "", cell.source, flags=re.S)
            out.append("\n".join(line for line in source.splitlines()
                                 if not line.strip().startswith(("# BEGIN SOLUTION", "# END SOLUTION"))) + "\n")
    return out


def reference_answers(autograder_notebook: Path) -> dict[str, str]:
    """{function: its solution, as a student would type it} for each function the course keeps wrong versions
    of (bertcourse/mistakes/), from otter's autograder notebook (the master's solution cells)."""
    from . import mistakes

    out = {}
    for source in solution_sources(autograder_notebook):
        match = re.search(r"^def (\w+)\(", source, re.M)
        if match and match.group(1) in mistakes.functions():
            out[match.group(1)] = source
    return out


def grading_requirements() -> list[str]:
    """The pins of requirements.txt a notebook needs at grading. torch stays `torch==X` (no "+cpu"): setup.sh adds
    PyTorch's CPU index, where `X+cpu` is the higher version, so Gradescope gets the CPU build; a machine that
    reaches PyPI only (this one, for the simulation) gets PyPI's build of the same version."""
    pins = []
    for line in (paths.REPO / "requirements.txt").read_text().splitlines():
        line = line.split("#")[0].strip()
        if line and line.split("==")[0] not in NOT_FOR_GRADING:
            pins.append(line)
    return pins


def _environment_yml(pins: list[str]) -> str:
    lines = ["# The grading environment (the same pins as requirements.txt; setup.sh installs those with pip).",
             "name: bertcourse-grading", "channels:", "  - conda-forge", "dependencies:", f"  - python={python_version()}",
             "  - pip", "  - pip:", f"      - --extra-index-url {TORCH_CPU_INDEX}"]
    return "\n".join(lines + [f"      - {pin}" for pin in pins]) + "\n"


def _course_package() -> dict[str, bytes]:
    """The course's Python code, its sub-packages included (sandboxed/, boundary/), in sorted order."""
    package = Path(__file__).resolve().parent
    return {f"files/bertcourse/{p.relative_to(package).as_posix()}": p.read_bytes()
            for p in sorted(package.rglob("*.py")) if "__pycache__" not in p.parts}


def _deterministic_zip(source_zip: Path, target: Path, extra: dict[str, bytes]) -> None:
    """Rewrite otter's zip as the course's autograder (see the module docstring), with sorted entries and
    fixed dates."""
    with zipfile.ZipFile(source_zip) as src:
        entries = {info.filename: src.read(info) for info in src.infolist() if not info.is_dir()}
    pins = grading_requirements()
    entries.update({
        "setup.sh": (GRADESCOPE_FILES / "setup.sh").read_bytes(),
        "run_autograder": (GRADESCOPE_FILES / "run_autograder").read_bytes(),
        "requirements.txt": ("\n".join(pins) + "\n").encode(),
        "environment.yml": _environment_yml(pins).encode(),
        "python-version": f"{python_version()}\n".encode(),  # the Python setup.sh installs
        **_course_package(), **extra})
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as out:
        for name in sorted(entries):
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
            info.external_attr = (0o755 if name in ("run_autograder", "setup.sh") else 0o644) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            out.writestr(info, entries[name])


def _master_with_course_python(master: Path, folder: Path) -> Path:
    """A copy of `master` in `folder` whose ASSIGNMENT CONFIG names the course's Python (the masters do not: one
    setting, in pyproject.toml), beside links to what the master's folder holds (offline/, metrics/)."""
    nb = nbformat.read(master, as_version=4)
    config = nb.cells[0]
    if not config.source.startswith("# ASSIGNMENT CONFIG"):
        raise RuntimeError(f"{master.name}: the first cell must be the raw ASSIGNMENT CONFIG cell")
    if "python_version:" in config.source:
        raise RuntimeError(f"{master.name}: remove python_version from the ASSIGNMENT CONFIG; the course's Python "
                           "is set once, in pyproject.toml ([tool.bertcourse] python)")
    config.source = config.source.replace("\n", f'\npython_version: "{python_version()}"\n', 1)
    folder.mkdir()
    for item in master.parent.iterdir():
        if item.suffix != ".ipynb" and not item.name.startswith("."):
            (folder / item.name).symlink_to(item.resolve())
    copy = folder / master.name
    nbformat.write(nb, copy)
    return copy


def zip_path(name: str) -> Path:
    return paths.AUTOGRADER / name / f"{name}-autograder.zip"


def build_one(master: Path, notebooks_dir: Path = paths.NOTEBOOKS, autograder_dir: Path = paths.AUTOGRADER,
              run_tests: bool = True) -> None:
    """otter assign one master and place its normalized outputs under notebooks_dir / autograder_dir."""
    check_build_interpreter()
    name = paths.release_name(master)
    with tempfile.TemporaryDirectory() as tmp:
        dist = Path(tmp) / "dist"
        source = _master_with_course_python(master, Path(tmp) / "source")
        cmd = [otter_executable(), "assign", source.name, str(dist)]
        if not run_tests:
            cmd.append("--no-run-tests")
        done = subprocess.run(cmd, cwd=source.parent, env=offline_env(Path(tmp)), capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"otter assign failed for {master.name}:\n{done.stdout[-4000:]}\n{done.stderr[-4000:]}")

        student, autograder = dist / "student", dist / "autograder"
        (zip_file,) = autograder.glob("*-autograder_*.zip")
        test_files = sorted(p.name for p in (student / "tests").glob("*.py"))
        for out, src, transform in [
            (notebooks_dir / name, student, lambda nb: colab.prepare_student_notebook(nb, name, test_files)),
            (autograder_dir / name, autograder, None),
        ]:
            if out.exists():
                shutil.rmtree(out)
            shutil.copytree(src, out, ignore=shutil.ignore_patterns("*.zip", "offline"))
            normalize_notebook(out / f"{name}.ipynb", transform)
        spec = (json.dumps(grading_spec(master), indent=1, sort_keys=True) + "\n").encode()
        (autograder_dir / name / SPEC_NAME).write_bytes(spec)
        answers = reference_answers(autograder_dir / name / f"{name}.ipynb")
        answers_json = (json.dumps(answers, indent=1, sort_keys=True) + "\n").encode()
        (autograder_dir / name / "tests" / REFERENCE_ANSWERS).write_bytes(answers_json)
        # the public checks, so a submission's grader.check(...) cells run at grading as they ran for the student
        public = {f"files/{PUBLIC_TESTS}/{t}": (student / "tests" / t).read_bytes() for t in test_files}
        _deterministic_zip(zip_file, autograder_dir / name / f"{name}-autograder.zip",
                           {f"files/{SPEC_NAME}": spec, f"tests/{REFERENCE_ANSWERS}": answers_json, **public})


def build_all(run_tests: bool = True) -> list[str]:
    names = []
    for master in paths.masters():
        build_one(master, run_tests=run_tests)
        names.append(paths.release_name(master))
    return names
