"""Grading one Gradescope submission: `python -m bertcourse gradescope [--root /autograder]` (the zip's run_autograder).

Gradescope runs one container per submission, as root, with the autograder zip extracted in ROOT/source and
the student's files in ROOT/submission; it reads ROOT/results/results.json. This grades the submission with
the same code as `make grade` (bertcourse/batch.py: trusted verdicts, student code sandboxed) and writes
Gradescope's format: one entry per test case with its score, max_score and visibility; public cases show
their message, hidden cases say only passed / failed and stay invisible until grades are published.

Bubblewrap is used where the container allows it; otherwise the student's code runs as an unprivileged user
of its own with resource limits (`--sandbox uid`): it can read neither the hidden tests nor the results
(both made root-only here), and the container separates it from other students.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
from pathlib import Path

from . import batch, outputs, sandbox

NOTEBOOK_SUFFIXES = (".ipynb", ".zip")


def pick_submission(folder: Path, name: str) -> Path | None:
    """The notebook Gradescope received: `<name>.ipynb` if present, else the only notebook or zip, else the
    first by name (students sometimes upload extra files)."""
    candidates = sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in NOTEBOOK_SUFFIXES
                        and not any(part.startswith((".", "__MACOSX")) for part in p.relative_to(folder).parts))
    for path in candidates:
        if path.name == f"{name}.ipynb":
            return path
    return candidates[0] if candidates else None


def results_json(result: dict, target) -> dict:
    """Gradescope's results.json for one graded submission."""
    questions = target.questions
    total = outputs.total_of(result, questions)
    status = outputs.safe_text(str(result.get("status", "")), 300)
    if result.get("status") != outputs.STATUS_OK:
        tests = [{"name": q, "score": 0.0, "max_score": points, "visibility": "visible",
                  "output": f"Not graded: {status}"} for q, points in questions.items()]
        why = ("the grader failed, not your notebook: please resubmit, or ask your instructor"
               if outputs.is_grader_failure(result) else status)
        return {"score": 0.0, "output": f"Your notebook could not be graded: {why}", "tests": tests,
                "stdout_visibility": "hidden"}
    tests = []
    for test in result.get("tests", []):
        points = float(test.get("points", 0.0))
        entry = {"name": outputs.safe_text(str(test.get("name")), 100), "score": points if test.get("passed") else 0.0,
                 "max_score": points, "status": "passed" if test.get("passed") else "failed"}
        if test.get("hidden"):
            entry.update(visibility="after_published",
                         output=f"hidden test {'passed' if test.get('passed') else 'failed'}")
        else:
            entry.update(visibility="visible", output=outputs.safe_text(str(test.get("message") or "passed")))
        tests.append(entry)
    return {"score": total, "tests": tests, "stdout_visibility": "hidden",
            "output": f"Score: {total:g} / {target.max_total:g}. Hidden tests are shown when grades are published."}


def choose_sandbox(requested: str) -> str:
    if requested != "auto":
        return sandbox.choose(requested)
    try:
        return sandbox.choose("bwrap")
    except sandbox.SandboxUnavailable:
        return sandbox.choose("uid")  # a container without namespaces: per-submission uid and limits


def main(root: Path, requested: str = "auto", timeout: float = 600, memory_mb: int = 6144) -> int:
    source, submissions, results = root / "source", root / "submission", root / "results"
    results.mkdir(parents=True, exist_ok=True)
    for private in (source / "tests", results, submissions):  # root only: hidden tests, verdicts, raw files
        if private.exists():
            os.chmod(private, 0o700)
    kind = choose_sandbox(requested)
    spec = json.loads((source / "files" / "grading.json").read_text())
    scratch = Path(tempfile.mkdtemp(prefix="bertcourse-gradescope-"))
    try:
        picked = pick_submission(submissions, spec["name"])
        folder = scratch / "submission"
        folder.mkdir()
        if picked is not None:
            shutil.copy(picked, folder / picked.name)
        rows, assignments = batch.grade_batch(folder, scratch / "out", 1, timeout, memory_mb, kind,
                                              material=[source], log=lambda line: print(line, flush=True))
        target = assignments[spec["name"]]
        if rows:
            data = results_json(rows[0][1], target)
        else:
            data = results_json({"status": "error: no .ipynb (or otter export .zip) was submitted"}, target)
        (results / "results.json").write_text(json.dumps(data, indent=1))
        print(data["output"])
        return 0
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def run(args) -> int:
    batch.ensure_grading_env()
    if batch.check_memory_mb(args.memory_mb):
        print(f"error: {batch.check_memory_mb(args.memory_mb)}")
        return 2
    return main(Path(args.root), args.sandbox, args.timeout, args.memory_mb)


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--root", default="/autograder", help="Gradescope's folder (source/, submission/, results/)")
    p.add_argument("--sandbox", choices=["auto", "bwrap", "uid", "none"], default="auto",
                   help="auto: bubblewrap if the container allows it, else a per-submission unprivileged user")
    p.add_argument("--timeout", type=float, default=600, help="wall-clock seconds (default 600)")
    p.add_argument("--memory-mb", type=int, default=6144)
