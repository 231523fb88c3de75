"""Grade one submission with `otter run` (no Docker) against a built autograder zip."""

from __future__ import annotations

import json
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from .release import offline_env, otter_executable


@dataclass
class Grade:
    """Scores of one submission: per question (otter's test file name) and in total."""

    questions: dict[str, float] = field(default_factory=dict)
    possible: dict[str, float] = field(default_factory=dict)
    tests: list[dict] = field(default_factory=list)  # otter's per-test entries (name, score, output, ...)

    @property
    def total(self) -> float:
        return sum(self.questions.values())

    @property
    def max_total(self) -> float:
        return sum(self.possible.values())


def parse_results(results_json: Path) -> Grade:
    """Read otter's Gradescope-format results.json into per-question scores."""
    data = json.loads(results_json.read_text())
    grade = Grade(tests=data.get("tests", []))
    for test in grade.tests:
        if test["name"] == "Public Tests":  # otter's summary of the public checks: carries no points
            continue
        name = test["name"].split(" - ")[0]  # otter names hidden/public parts "q1 - 1", "q1 - 2"
        grade.questions[name] = grade.questions.get(name, 0.0) + float(test.get("score") or 0.0)
        grade.possible[name] = grade.possible.get(name, 0.0) + float(test.get("max_score") or 0.0)
    return grade


def otter_run(submission: Path, autograder_zip: Path, timeout: float | None = None) -> Grade:
    """Grade `submission` (.ipynb or otter export .zip) offline; raise on otter failure or timeout."""
    with tempfile.TemporaryDirectory() as out:
        cmd = [otter_executable(), "run", "-a", str(autograder_zip), "-o", out, "--no-logo", str(submission)]
        done = subprocess.run(cmd, env=offline_env(Path(out)), capture_output=True, text=True, timeout=timeout)
        results = Path(out) / "results.json"
        if not results.exists():
            raise RuntimeError(f"otter run produced no results for {submission.name}:\n{done.stderr[-3000:]}")
        return parse_results(results)
