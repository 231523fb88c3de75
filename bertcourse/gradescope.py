"""Grading one Gradescope submission: `python -m bertcourse gradescope [--root /autograder]` (the zip's run_autograder).

Gradescope runs one container per submission, as root, with the autograder zip extracted in ROOT/source and
the student's files in ROOT/submission; it reads ROOT/results/results.json. This grades the submission with
the same code as `make grade` (bertcourse/batch.py: trusted verdicts, student code sandboxed) and writes
Gradescope's format: one entry per test case with its score, max_score and visibility; public cases show
their message, hidden cases say only passed / failed and stay invisible until grades are published.

Bubblewrap is used where the container allows it; otherwise the student's code runs as an unprivileged user
of its own with resource limits (`--sandbox uid`): it can read neither the hidden tests nor the results
(both made root-only here), and the container separates it from other students.

What Gradescope does with what this writes (gradescope/autograder_samples: docs/specs.md, docs/tech.md,
docs/troubleshooting.md, docs/autograder_settings.png):
  - After run_autograder ends, its harness reads ROOT/results/results.json; the exit status is not part of
    the documented interface. No results.json (or malformed JSON) shows "The autograder failed to execute
    correctly. Contact your course staff..." (an autograder failure the instructor sees, with run_autograder's
    stdout, which only instructors see). So a submission that could not be graded for a reason of ours gets
    NO results.json (and a non-zero exit, for `otter grade` and local runs): never a score it did not earn,
    0 included. The stdout names the reason (and, for a container that is too small, the setting to raise).
  - "If test cases are hidden, students will not be able to see their total score": the top-level output
    shown to students then names no total either.
  - The container: "Autograder Settings" (formerly "Advanced Settings") of the assignment offers CPU and
    memory in pairs: 0.5 CPU, 0.75GB RAM (the default; 384 MB in older docs), 1.0 CPU, 1.5GB; 2.0 CPU, 3.0GB;
    4.0 CPU, 6.0GB; and a global timeout, 10 minutes by default (up to 40), past which the submission gets 0
    and no test results. "Killed" in the output means the container's memory limit was exceeded.
  - results.json needs a top-level "score" or tests with scores; tests may instead carry only a "status"
    ("informational checks"). A submission for another assignment gets such a results.json: a message, one
    informational test, no score anywhere (what Gradescope shows as its score then is not documented).
`BERTCOURSE_SKIP_MEMORY_CHECK=1` skips the check of the container's memory (for the test suite only: it
proves that a sandbox killed for memory posts no score either).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import traceback
from pathlib import Path

from . import batch, outputs, sandbox, submission, versions

NOTEBOOK_SUFFIXES = (".ipynb", ".zip")

# The memory a grading needs, measured with the zip's own run_autograder in a memory cgroup (1 CPU; see
# tests/test_gradescope.py; Python 3.13 with PyPI's CUDA build of torch, the only 3.13 build on the machine):
# notebook 1, the largest, gets full marks in 1300 MiB and is OOM-killed in 1200 MiB (notebooks 2-4 fit in
# 1200 MiB). A peak read without a limit says little: page cache counts until the limit. At Gradescope's default
# 0.75GB the sandbox is killed. The next choice Gradescope offers is "1.0 CPU, 1.5GB RAM": 1400 MiB is below it
# however "GB" is meant (1.5 x 1000^3 B = 1430 MiB, 1.5 x 1024^3 B = 1536 MiB) and 8 % above the smallest limit
# measured to work.
REQUIRED_MEMORY_MIB = 1400
GRADESCOPE_SETTING = "1.0 CPU, 1.5GB RAM"
# Gradescope's global timeout (its default, 10 minutes) and what the grader leaves of it for itself: start-up
# (bash, Python, the grader's and the sandbox's imports, overlapping: measured 20-22 s of the 22-24 s a
# full-marks notebook takes at 1 CPU, the grading itself 1-2 s), the 5 s grace after the submission's time limit, the per-test results and clean-up. The
# submission's own limit (--timeout) is the rest, so a slow notebook still gets its per-test results.
GRADESCOPE_TIMEOUT_S = 600
GRADER_MARGIN_S = 120
DEFAULT_TIMEOUT_S = GRADESCOPE_TIMEOUT_S - GRADER_MARGIN_S
SKIP_MEMORY_CHECK = "BERTCOURSE_SKIP_MEMORY_CHECK"
EXIT_TOO_SMALL, EXIT_NOT_GRADED = 3, 4


# ------------------------------------------------------------------ the container's memory
USUAL_PLACES = ((Path("/sys/fs/cgroup/memory"), 1), (Path("/sys/fs/cgroup"), 2))  # a container's own cgroup


def _memory_cgroups(proc: Path = Path("/proc/self"), usual=USUAL_PLACES) -> list[tuple[Path, int]]:
    """(folder, cgroup version) of this process's memory cgroup and of each one above it, as far as this
    container's mounts show them: the limits of all of them apply."""
    try:
        memberships = (proc / "cgroup").read_text().splitlines()
        mounts = (proc / "mountinfo").read_text().splitlines()
    except OSError:
        memberships, mounts = [], []
    paths: dict[int, str] = {}
    for line in memberships:  # "4:memory:/docker/abc" (v1), "0::/user.slice/..." (v2)
        parts = line.split(":", 2)
        if len(parts) == 3 and parts[0] == "0" and parts[1] == "":
            paths[2] = parts[2]
        elif len(parts) == 3 and "memory" in parts[1].split(","):
            paths[1] = parts[2]
    found: list[tuple[Path, int]] = []
    for line in mounts:  # "36 25 0:31 /docker/abc /sys/fs/cgroup/memory rw,... - cgroup cgroup rw,memory"
        fields = line.split()
        if " - " not in line or len(fields) < 5:
            continue
        after = line.split(" - ", 1)[1].split()
        kind, options = after[0], (after[2].split(",") if len(after) > 2 else [])
        version = 2 if kind == "cgroup2" else 1 if kind == "cgroup" and "memory" in options else 0
        if version == 0 or version not in paths:
            continue
        mount_root, mount_point = fields[3], Path(fields[4].replace("\\040", " "))
        mine = paths[version]
        relative = os.path.relpath(mine, mount_root) if (mine + "/").startswith(mount_root.rstrip("/") + "/") else "."
        folder = mount_point / relative if not relative.startswith("..") else mount_point
        if not folder.is_dir():  # a view that does not show our own cgroup: its top is all we can read
            folder = mount_point
        while True:
            found.append((folder, version))
            if folder == mount_point or mount_point not in folder.parents:
                break
            folder = folder.parent
    for folder, version in usual:
        if (folder, version) not in found:
            found.append((folder, version))
    return found


def memory_limit_bytes(proc: Path = Path("/proc/self"), usual=USUAL_PLACES) -> int | None:
    """The smallest memory limit over this process's cgroups (v1 memory.limit_in_bytes, v2 memory.max);
    None when there is none, or none can be read."""
    limits = []
    for folder, version in _memory_cgroups(proc, usual):
        try:
            text = (folder / ("memory.max" if version == 2 else "memory.limit_in_bytes")).read_text().strip()
        except OSError:
            continue
        if text.isdigit() and int(text) < 2**60:  # "max" (v2) and v1's page-rounded LONG_MAX: no limit
            limits.append(int(text))
    return min(limits) if limits else None


def oom_kills(proc: Path = Path("/proc/self")) -> int:
    """How many processes the kernel has killed for the memory limits of this process's cgroups (a counter:
    compared before and after grading)."""
    total = 0
    for folder, version in _memory_cgroups(proc):
        try:
            text = (folder / ("memory.events" if version == 2 else "memory.oom_control")).read_text()
        except OSError:
            continue
        for line in text.splitlines():
            if line.startswith("oom_kill "):
                total += int(line.split()[1])
    return total


def container_too_small(limit: int | None) -> str | None:
    """What to tell the instructor when the container has less memory than grading needs, else None."""
    if limit is None or limit >= REQUIRED_MEMORY_MIB * 2**20:
        return None
    return (f"NOT GRADED: this container has {limit / 2**20:.0f} MiB of memory; grading a notebook needs "
            f"{REQUIRED_MEMORY_MIB} MiB (measured: notebook 1 gets full marks in 1300 MiB and is killed in 1200 MiB). No score was posted.\n"
            f"On Gradescope: the assignment > Settings > Autograder Settings (\"Advanced Settings\" in older "
            f"pages) > Container specifications: choose \"{GRADESCOPE_SETTING}\" (or more), save, then "
            "Manage Submissions > Regrade All Submissions.")


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
    tests, explained = [], set()
    for test in result.get("tests", []):
        points = float(test.get("points", 0.0))
        entry = {"name": outputs.safe_text(str(test.get("name")), 100), "score": points if test.get("passed") else 0.0,
                 "max_score": points, "status": "passed" if test.get("passed") else "failed"}
        if test.get("hidden"):
            entry.update(visibility="after_published",
                         output=f"hidden test {'passed' if test.get('passed') else 'failed'}")
        else:
            entry.update(visibility="visible", output=outputs.safe_text(str(test.get("message") or "passed")))
        question = test.get("question")
        found = [] if test.get("passed") or question in explained else outputs.mistake_lines(result, question)
        if found:
            explained.add(question)  # under the question's first failed test, shown when that test is
            entry["output"] += "\n\n" + "\n".join(outputs.safe_text(line, 600) for line in found)
        tests.append(entry)
    if any(t["visibility"] != "visible" for t in tests):  # Gradescope hides the total then: so does this
        output = ("Graded. The public tests are shown below; the hidden tests are graded too, and they and your "
                  "score are shown when grades are published.")
    else:
        output = f"Score: {total:g} / {target.max_total:g}."
    if result.get("cell_errors"):  # the student's own cells and errors: which one failed, and why "cuda" fails here
        output += "\n\nCode cells that raised an error or ran out of time when your notebook ran at grading:\n"
        output += "\n".join(outputs.cell_error_lines(result["cell_errors"]))
    record = versions.valid(result.get("versions"))
    output += "\n\n" + "\n".join(versions.feedback_lines(record, versions.grading()))
    return {"score": total, "tests": tests, "stdout_visibility": "hidden", "output": output}


def wrong_assignment_json(claimed: str, name: str) -> dict:
    """A notebook of another assignment: a message for the student, no score (see the module's docstring)."""
    claimed = outputs.safe_text(claimed, 80)
    message = (f"Not graded: this notebook belongs to the assignment {claimed!r} (its metadata, "
               f"metadata.otter.assignment_name, says so), and this is the assignment {name!r}. Submit it to "
               f"{claimed!r}'s assignment, and submit your {name}.ipynb here.")
    return {"output": message, "stdout_visibility": "hidden",
            "tests": [{"name": "Which notebook this is", "status": "failed", "visibility": "visible",
                       "output": message}]}


def claimed_elsewhere(path: Path | None, name: str) -> str | None:
    """The other assignment the submitted notebook's metadata names, if it names one that is not `name`."""
    if path is None:
        return None
    try:
        claimed = submission.claimed_name(submission.read_notebook(path.read_bytes(), path.name))
    except Exception:  # noqa: BLE001 - an unreadable file is graded (and rejected) as usual
        return None
    return claimed if claimed is not None and claimed != name else None


def student_statuses(entry_status: str | None) -> set[str]:
    """The statuses that are about the student's file or code (a score for it is earned, 0 included);
    any other `error: ...` is the grader's (the sandbox could not start, the grader failed...)."""
    return {outputs.STATUS_OK, outputs.STATUS_TIMEOUT, batch.verdict.DIED,
            "error: no .ipynb (or otter export .zip) was submitted"} | ({entry_status} if entry_status else set())


def posts_a_score(status: str, entry_status: str | None) -> bool:
    """Whether `status` is the student's (a score is posted, 0 included), not the grader's (no results.json).
    A notebook too large to grade is the student's (its size is in the status); `error: grader: ...` never."""
    if outputs.is_grader_failure({"status": status}):
        return False
    return status in student_statuses(entry_status) or status.startswith(batch.TOO_LARGE + " (")


class NotGraded(Exception):
    """The grading could not happen for a reason of the grader's, not the student's: no score is posted."""


def choose_sandbox(requested: str) -> str:
    if requested != "auto":
        return sandbox.choose(requested, acknowledged=True)
    try:
        return sandbox.choose("bwrap")
    except sandbox.SandboxUnavailable:  # a container without namespaces, holding this one submission: the
        return sandbox.choose("uid", acknowledged=True)  # container is the outer wall (see UID_REFUSAL)


def main(root: Path, requested: str = "auto", timeout: float = DEFAULT_TIMEOUT_S, memory_mb: int = 6144) -> int:
    """Grade ROOT/submission into ROOT/results/results.json; 0 when results.json was written, else
    EXIT_NOT_GRADED with the reason on stdout (the instructor's) and no results.json."""
    source, submissions, results = root / "source", root / "submission", root / "results"
    results.mkdir(parents=True, exist_ok=True)
    (results / "results.json").unlink(missing_ok=True)
    try:
        data = grade(source, submissions, results, requested, timeout, memory_mb)
    except NotGraded as why:
        print(f"NOT GRADED (a grader failure, not the student's): {why}\nNo score was posted; once the cause is "
              "fixed, regrade this submission.", flush=True)
        return EXIT_NOT_GRADED
    except Exception:  # noqa: BLE001 - a bug of ours: an autograder failure, never a score
        traceback.print_exc(file=sys.stdout)
        print("NOT GRADED: the grader failed (above). No score was posted.", flush=True)
        return EXIT_NOT_GRADED
    (results / "results.json").write_text(json.dumps(data, indent=1))
    print(data["output"])
    return 0


def grade(source: Path, submissions: Path, results: Path, requested: str, timeout: float, memory_mb: int) -> dict:
    for private in (source / "tests", results, submissions):  # root only: hidden tests, verdicts, raw files
        if private.exists():
            os.chmod(private, 0o700)
    spec = json.loads((source / "files" / "grading.json").read_text())
    picked = pick_submission(submissions, spec["name"])
    claimed = claimed_elsewhere(picked, spec["name"])
    if claimed is not None:
        return wrong_assignment_json(claimed, spec["name"])
    kind = choose_sandbox(requested)
    scratch = Path(tempfile.mkdtemp(prefix="bertcourse-gradescope-"))
    try:
        folder = scratch / "submission"
        folder.mkdir()
        if picked is not None:
            shutil.copy(picked, folder / picked.name)
        killed_before = oom_kills()
        rows, assignments = batch.grade_batch(folder, scratch / "out", 1, timeout, memory_mb, kind,
                                              material=[source], log=lambda line: print(line, flush=True))
        target = assignments[spec["name"]]
        if not rows:
            return results_json({"status": "error: no .ipynb (or otter export .zip) was submitted"}, target)
        result = rows[0][1]
        entry = batch.read_entry(folder / rows[0][0], assignments)
        status = str(result.get("status"))
        killed = oom_kills() - killed_before
        if killed and batch.hit_a_limit(result):
            raise NotGraded(f"{killed} process(es) of this grading were killed for the container's memory limit "
                            f"({status}); the container needs {REQUIRED_MEMORY_MIB} MiB: on Gradescope choose "
                            f"\"{GRADESCOPE_SETTING}\" (or more) under the assignment's Autograder Settings")
        if not posts_a_score(status, entry.status):
            tail = outputs.safe_text(str(result.get("log_tail", "")), 2000)
            raise NotGraded(status + (f"\n{tail}" if tail else ""))
        return results_json(result, target)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def run(args) -> int:
    # First, before anything imports torch: a container too small for grading gets no score, only the
    # instructor's message naming the setting to raise.
    if os.environ.get(SKIP_MEMORY_CHECK) != "1":
        message = container_too_small(memory_limit_bytes())
        if message is not None:
            print(message, flush=True)
            (Path(args.root) / "results" / "results.json").unlink(missing_ok=True)
            return EXIT_TOO_SMALL
    batch.ensure_grading_env()
    if batch.check_memory_mb(args.memory_mb):
        print(f"error: {batch.check_memory_mb(args.memory_mb)}")
        return 2
    return main(Path(args.root), args.sandbox, args.timeout, args.memory_mb)


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--root", default="/autograder", help="Gradescope's folder (source/, submission/, results/)")
    p.add_argument("--sandbox", choices=["auto", "bwrap", "uid", "none"], default="auto",
                   help="auto: bubblewrap if the container allows it, else a per-submission unprivileged user")
    p.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT_S,
                   help=f"wall-clock seconds for the submission's notebook and tests (default {DEFAULT_TIMEOUT_S:g}: "
                        f"Gradescope's default global timeout of {GRADESCOPE_TIMEOUT_S // 60} minutes less "
                        f"{GRADER_MARGIN_S} s for the grader's start-up and results; if you raise the assignment's "
                        "timeout on Gradescope, raise this by as much in run_autograder)")
    p.add_argument("--memory-mb", type=int, default=6144, help="address-space cap of the student's processes (MB)")
