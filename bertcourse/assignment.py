"""One notebook's grading material, read from its autograder zip (the same zip Gradescope and `otter run` use).

The zip (built by `make release`) holds otter's test files (tests/*.py), the fixtures (files/offline/,
files/metrics/) and `grading.json`, which the release writes from the master:
  setup_cells    the master's code cells outside the questions that are not `otter_ignore`d: imports, model
                 ids, tokenizer, pipeline. At grading they run again, from the master, after the student's
                 cells, so every answer is tested against the course's set-up, not an edited copy.
  ignored_cells  the sources of the `otter_ignore` cells (downloads, training): skipped at grading even if a
                 student's copy lost the tag.
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
PUBLIC_TESTS = "public-tests"  # under files/: the public checks, linked as the notebook's tests/


@dataclass
class Assignment:
    name: str
    zip_path: Path
    zip_hash: str
    folder: Path
    questions: dict[str, float] = field(default_factory=dict)  # question -> points, in order
    setup_cells: list[str] = field(default_factory=list)
    ignored_cells: list[str] = field(default_factory=list)

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


def load(zip_path: Path, root: Path) -> Assignment:
    """Extract `zip_path` under `root` and read its questions and grading spec."""
    from otter.test_files import ExceptionTestFile

    data = zip_path.read_bytes()
    with zipfile.ZipFile(zip_path) as zf:
        spec = json.loads(zf.read(SPEC_NAME))
        name = spec["name"]
        folder = root / name
        folder.mkdir(parents=True, mode=0o711)
        for entry in zf.infolist():
            target = (folder / entry.filename).resolve()
            if not str(target).startswith(str(folder.resolve()) + os.sep):
                raise ValueError(f"unsafe path in {zip_path.name}: {entry.filename}")
            if entry.filename.startswith(("tests/", "files/")) and not entry.is_dir():
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(zf.read(entry))
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
            raise ValueError(f"{zip_path.name}: test file {path.name} names question {test_file.name!r}")
        questions[test_file.name] = float(test_file.possible)
    return Assignment(name, zip_path, hashlib.sha256(data).hexdigest(), folder, questions,
                      list(spec.get("setup_cells", [])), list(spec.get("ignored_cells", [])))


def load_all(zips: list[Path], root: Path) -> dict[str, Assignment]:
    assignments = {}
    for zip_path in zips:
        assignment = load(zip_path, root)
        assignments[assignment.name] = assignment
    return assignments
