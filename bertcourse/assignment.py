"""One notebook's grading material, read from its autograder zip (the same zip Gradescope and `otter run` use).

The zip (built by `make release`) holds otter's test files (tests/*.py), the fixtures (files/offline/,
files/metrics/), the public checks (files/public-tests/), the course package (files/bertcourse/, for
Gradescope) and `files/grading.json`, which the release writes from the master:
  setup_cells    the master's code cells outside the questions that are not `otter_ignore`d: imports, model
                 ids, tokenizer, pipeline. At grading they run again, from the master, after the student's
                 cells, so every answer is tested against the course's set-up, not an edited copy.
  ignored_cells  the sources of the `otter_ignore` cells (downloads, training): skipped at grading even if a
                 student's copy lost the tag.
and `tests/reference-answers.json`: the master's solutions of the functions the course keeps wrong versions
of, for likely-mistake feedback (bertcourse/mistakes/). Under tests/, since the sandbox must never read them.
The zip is extracted into a folder of the grader's: tests/ readable by the grader only, files/ readable by
all (the sandbox binds it read-only as the notebook's offline/ and metrics/).
"""

from __future__ import annotations

import hashlib
import json
import os
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

SPEC_NAME = "grading.json"
REFERENCE_ANSWERS = "reference-answers.json"  # under tests/ (the grader's only): bertcourse/mistakes/
PUBLIC_TESTS = "public-tests"  # under files/: the public checks, linked as the notebook's tests/


@dataclass
class Assignment:
    name: str
    material: Path  # the autograder zip, or the folder it was extracted to
    zip_hash: str
    folder: Path
    questions: dict[str, float] = field(default_factory=dict)  # question -> points, in order
    setup_cells: list[str] = field(default_factory=list)
    ignored_cells: list[str] = field(default_factory=list)
    reference_answers: dict[str, str] = field(default_factory=dict)  # function -> the master's solution

    @property
    def tests_dir(self) -> Path:
        return self.folder / "tests"

    @property
    def files_dir(self) -> Path:
        return self.folder / "files"

    @property
    def test_files(self) -> list[Path]:
        return [self.tests_dir / f"{q}.py" for q in self.questions]

    @property
    def max_total(self) -> float:
        return sum(self.questions.values())


def _read_material(material: Path) -> tuple[dict[str, bytes], str]:
    """tests/ and files/ of an autograder zip, or of the folder it was extracted to (Gradescope's
    /autograder/source), and a hash of them."""
    if material.is_dir():
        entries = {p.relative_to(material).as_posix(): p.read_bytes() for p in sorted(material.rglob("*"))
                   if p.is_file() and p.relative_to(material).parts[0] in ("tests", "files")}
        digest = hashlib.sha256()
        for name, data in sorted(entries.items()):
            digest.update(name.encode() + b"\0" + hashlib.sha256(data).digest())
        return entries, digest.hexdigest()
    data = material.read_bytes()
    with zipfile.ZipFile(material) as zf:
        entries = {info.filename: zf.read(info) for info in zf.infolist()
                   if not info.is_dir() and info.filename.startswith(("tests/", "files/"))}
    return entries, hashlib.sha256(data).hexdigest()


def load(material: Path, root: Path) -> Assignment:
    """Copy an autograder zip's (or extracted folder's) tests and files under `root`; read its questions and spec."""
    from otter.test_files import ExceptionTestFile

    entries, digest = _read_material(material)
    spec = json.loads(entries[f"files/{SPEC_NAME}"])
    name = spec["name"]
    folder = root / name
    folder.mkdir(parents=True, mode=0o711)
    for entry, data in entries.items():
        target = (folder / entry).resolve()
        if not str(target).startswith(str(folder.resolve()) + os.sep):
            raise ValueError(f"unsafe path in {material.name}: {entry}")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    os.chmod(folder, 0o711)
    (folder / "files").mkdir(exist_ok=True)
    (folder / "tests").mkdir(exist_ok=True)
    for path in (folder / "files").rglob("*"):  # readable by the job uids
        os.chmod(path, 0o755 if path.is_dir() else 0o644)
    os.chmod(folder / "files", 0o755)
    os.chmod(folder / "tests", 0o700)  # the hidden tests: the grader only
    questions = {}
    for path in sorted((folder / "tests").glob("*.py")):
        test_file = ExceptionTestFile.from_file(str(path))
        if test_file.name != path.stem:
            raise ValueError(f"{material.name}: test file {path.name} names question {test_file.name!r}")
        questions[test_file.name] = float(test_file.possible)
    answers = folder / "tests" / REFERENCE_ANSWERS
    return Assignment(name, material, digest, folder, questions,
                      list(spec.get("setup_cells", [])), list(spec.get("ignored_cells", [])),
                      json.loads(answers.read_text()) if answers.exists() else {})


def load_all(materials: list[Path], root: Path) -> dict[str, Assignment]:
    assignments = {}
    for material in materials:
        assignment = load(material, root)
        assignments[assignment.name] = assignment
    return assignments
