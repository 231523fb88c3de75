"""Batch grading: `python -m bertcourse grade SUBMISSIONS_DIR [--out DIR] [--workers N] [--timeout S] [--memory-mb M]`.

Grades every `.ipynb` / otter export `.zip` in a folder against the built autograder zips
(autograder/<name>/<name>-autograder.zip), picking the notebook from `metadata.otter.assignment_name`
(falling back to a known notebook name in the file name). Writes, atomically, into --out:
  grades.csv            one row per submission file: file, notebook, status (ok | timeout | error: ...),
                        one column per question of every notebook (blank where not applicable), total, max
  feedback/<file>.md    per student: every test, passed or failed with its message; hidden tests only as
                        "hidden test passed/failed" (never their code or message)
  results/<key>.json    one result per submission, keyed by the SHA-256 of the submission's bytes and of
                        its autograder zip: a re-run (also after an interrupted batch) regrades nothing
                        that finished, and grading is deterministic (PYTHONHASHSEED=0, one torch thread).

Each submission is graded by otter's own runner (`otter.run.main`, the code behind `otter run`) in a forked
child with its own session, a memory cap (RLIMIT_AS, inherited by the kernel) and a wall-clock timeout
after which the whole session (child + kernel + anything they spawned) is SIGKILLed. See sandbox.py for
the fast path (imports paid once, kernel forked) and tamper.py for the checks.

Threat model. Students are untrusted authors of the notebook's code; they can submit anything as a file
but cannot touch the grading machine otherwise. Covered:
  - crashes and resource abuse: exceptions in any cell (the rest still runs; tests score what exists),
    infinite loops (timeout), memory hogs (MemoryError under RLIMIT_AS, or kernel death -> error row),
    `sys.exit()` (IPython catches it) and `os._exit()` (kernel dies -> error row), huge output (the child's
    output goes to a log file; the CSV and feedback carry only scores and test messages, capped),
    corrupt/non-notebook files, empty or notebook-less zips, renamed files, deleted check cells (otter runs
    every test at the end anyway), edited public tests (tests always come from the autograder zip; only the
    .ipynb is taken from a student zip, so a shipped `tests/` or fake `offline/` model is ignored);
  - tampering with the grading from inside the kernel: patching builtins (`isinstance`, `len`, ...),
    library functions the tests call (`numpy`, `sklearn.metrics.f1_score`, `transformers.pipeline`), otter's
    classes (`otter.test_files`, `Checker`) or the `grader` object, writing into ./tests, or reaching the
    grader's files. Defence in three layers: (1) a static scan of every student-written code cell that runs
    at grading (tamper.scan_notebook) turns any tampering pattern, or the dynamic-code primitives needed to
    hide one (exec, eval, getattr with computed names, __dict__, ctypes, gc, ...), into an
    `error: tampering: ...` row scoring 0; (2) at run time, a snapshot of every module's and otter class's
    dictionary taken before student code is compared, after all tests ran, by identity; a change is an
    error row (the verdict path is random and appears only in the final cell); (3) the test files come
    fresh from the zip for every submission and their inode/ctime are compared after the kernel exits, so
    any write, chmod or delete of a test file (even if restored) is an error row.
Not covered: a determined attacker who finds a route the scan does not know (the snapshot is in the same
process, so code that is not flagged could in principle reach it); code that detects the test inputs and
hard-codes answers (hidden tests with random inputs address that); leaking the hidden tests' text through
the student's own printed output (the grader shows students only the feedback file, never the executed
notebook). For hostile courses, run the whole batch in a container without network as well.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
import os
import re
import shutil
import sys
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from . import OFFLINE_ENV, paths

GRADER_VERSION = "1"  # bump to invalidate cached results when grading semantics change
STATUS_OK, STATUS_TIMEOUT = "ok", "timeout"


def grading_env() -> dict[str, str]:
    from .release import offline_env

    env = offline_env(Path("."))  # each grading child points the datasets cache into its own job folder
    env.update({"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
                "PYTHONDONTWRITEBYTECODE": "1", "WANDB_DISABLED": "true", "WANDB_MODE": "disabled",
                "PYDEVD_DISABLE_FILE_VALIDATION": "1"})
    return env


# --- the course's notebooks ----------------------------------------------------------------------------------------
@dataclass
class Assignment:
    name: str
    zip_path: Path
    questions: dict[str, float]  # question -> points, in order
    trusted: set[str] = field(default_factory=set)
    zip_hash: str = ""

    @property
    def max_total(self) -> float:
        return sum(self.questions.values())


def load_assignments(autograder_dir: Path = paths.AUTOGRADER, notebooks_dir: Path = paths.NOTEBOOKS) -> dict[str, Assignment]:
    import nbformat

    from .tamper import trusted_sources

    out = {}
    for folder in sorted(p for p in autograder_dir.iterdir() if p.is_dir()):
        zip_path = folder / f"{folder.name}-autograder.zip"
        if not zip_path.exists():
            continue
        questions = {}
        with zipfile.ZipFile(zip_path) as zf:
            for entry in sorted(n for n in zf.namelist() if re.fullmatch(r"tests/[^/]+\.py", n)):
                text = zf.read(entry).decode()
                name = re.search(r"^name = ['\"](.+?)['\"]", text, re.M)
                points = re.search(r"^points = ([0-9.]+)", text, re.M)
                questions[name.group(1) if name else Path(entry).stem] = float(points.group(1)) if points else 0.0
        released = []
        for nb_path in (folder / f"{folder.name}.ipynb", notebooks_dir / folder.name / f"{folder.name}.ipynb"):
            if nb_path.exists():
                released.append(nbformat.read(nb_path, as_version=4))
        out[folder.name] = Assignment(folder.name, zip_path, questions, trusted_sources(released),
                                      hashlib.sha256(zip_path.read_bytes()).hexdigest())
    return out


# --- reading a submission ------------------------------------------------------------------------------------------
class Rejected(Exception):
    """A submission we cannot grade: becomes an `error: ...` row."""


def read_notebook(path: Path) -> dict:
    """The submission's notebook as a dict (from an .ipynb, or the single .ipynb in an otter export zip)."""
    data = path.read_bytes()
    if path.suffix.lower() == ".zip" or data[:4] == b"PK\x03\x04":
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                names = [n for n in zf.namelist() if n.endswith(".ipynb") and not n.startswith(("__MACOSX", "."))
                         and "/." not in n and ".ipynb_checkpoints" not in n]
                if not names:
                    raise Rejected("no notebook in the zip")
                if len(names) > 1:
                    top = [n for n in names if "/" not in n]
                    if len(top) != 1:
                        raise Rejected(f"more than one notebook in the zip ({', '.join(sorted(names)[:3])})")
                    names = top
                info = zf.getinfo(names[0])
                if info.file_size > 50_000_000:
                    raise Rejected("notebook in the zip is larger than 50 MB")
                data = zf.read(names[0])
        except zipfile.BadZipFile as error:
            raise Rejected(f"not a valid zip ({error})") from None
    try:
        nb = json.loads(data.decode("utf-8"))
        if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
            raise ValueError("no cells")
        import nbformat

        nbformat.validate(nbformat.reads(json.dumps(nb), as_version=4))
    except Exception as error:  # noqa: BLE001
        raise Rejected(f"not a valid notebook ({type(error).__name__})") from None
    return nb


def pick_assignment(path: Path, nb: dict | None, assignments: dict[str, Assignment]) -> str | None:
    name = ((nb or {}).get("metadata") or {}).get("otter", {}) or {}
    name = name.get("assignment_name") if isinstance(name, dict) else None
    if name:
        return name
    for known in sorted(assignments, key=len, reverse=True):
        if known in path.name:
            return known
    return None


def file_key(path: Path, assignment: Assignment | None) -> str:
    h = hashlib.sha256(path.read_bytes())
    h.update(f"|{GRADER_VERSION}|{assignment.zip_hash if assignment else ''}".encode())
    return h.hexdigest()[:32]


# --- results ------------------------------------------------------------------------------------------------------
def error_result(notebook: str | None, status: str) -> dict:
    return {"notebook": notebook, "status": status, "questions": {}, "possible": {}, "tests": []}


def atomic_write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


def feedback_markdown(file: str, result: dict, assignment: Assignment | None) -> str:
    lines = [f"# Feedback: {file}", ""]
    lines.append(f"- Notebook: {result.get('notebook') or 'unknown'}")
    lines.append(f"- Status: {result['status']}")
    if assignment is not None:
        total = sum(result["questions"].get(q, 0.0) for q in assignment.questions) if result["status"] == STATUS_OK else 0.0
        lines.append(f"- Score: {total:g} / {assignment.max_total:g}")
    lines.append("")
    if result["status"] == STATUS_TIMEOUT:
        lines.append("Grading stopped at the time limit (an endless loop or very slow code?). No points were given.")
    elif result["status"] != STATUS_OK:
        lines.append("This submission could not be graded, so no points were given. Check the status above.")
    for question in (assignment.questions if assignment else []):
        if result["status"] != STATUS_OK:
            break
        score = result["questions"].get(question, 0.0)
        lines += ["", f"## {question}: {score:g} / {assignment.questions[question]:g}", ""]
        for test in [t for t in result["tests"] if t["question"] == question]:
            if test["hidden"]:
                lines.append(f"- hidden test {'passed' if test['passed'] else 'failed'}")
            elif test["passed"]:
                lines.append(f"- `{test['name']}`: passed")
            else:
                message = test["message"].strip() or "failed"
                if len(message) > 1500:
                    message = "..." + message[-1500:]
                lines.append(f"- `{test['name']}`: failed")
                lines += ["", "  ```", *("  " + l for l in message.replace("```", "'''").splitlines()), "  ```", ""]
    return "\n".join(lines).rstrip() + "\n"


def csv_text(rows: list[tuple[str, dict]], assignments: dict[str, Assignment]) -> str:
    columns = [q for a in assignments.values() for q in a.questions]
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["file", "notebook", "status", *columns, "total", "max"])
    for file, result in rows:
        assignment = assignments.get(result.get("notebook") or "")
        ok = result["status"] == STATUS_OK
        cells, total = [], 0.0
        for q in columns:
            if assignment is None or q not in assignment.questions:
                cells.append("")
            else:
                score = float(result["questions"].get(q, 0.0)) if ok else 0.0
                total += score
                cells.append(f"{score:g}")
        writer.writerow([file, result.get("notebook") or "", result["status"], *cells, f"{total:g}",
                         f"{assignment.max_total:g}" if assignment else ""])
    return buf.getvalue()


def feedback_name(file: str, used: set[str]) -> str:
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", file)[:120] or "submission"
    name, i = f"{stem}.md", 1
    while name in used:
        i += 1
        name = f"{stem}-{i}.md"
    used.add(name)
    return name


# --- the batch ----------------------------------------------------------------------------------------------------
def prepare(path: Path, assignments: dict[str, Assignment]) -> tuple[str | None, dict | None, str | None]:
    """(notebook name, notebook dict, error status) for one file, before any grading."""
    from .tamper import scan_notebook

    nb = None
    try:
        nb = read_notebook(path)
    except Rejected as error:
        return pick_assignment(path, None, assignments), None, f"error: {error}"
    except OSError as error:
        return None, None, f"error: cannot read the file ({error.strerror})"
    name = pick_assignment(path, nb, assignments)
    if name not in assignments:
        return name, None, f"error: unknown notebook {name!r}" if name else "error: cannot tell which notebook this is"
    findings = scan_notebook(nb, assignments[name].trusted)
    if findings:
        return name, None, "error: tampering: " + findings[0] + (f" (+{len(findings) - 1} more)" if len(findings) > 1 else "")
    return name, nb, None


def grade_batch(submissions: Path, out: Path, workers: int, timeout: float, memory_mb: int,
                log=print) -> list[tuple[str, dict]]:
    from . import sandbox

    assignments = load_assignments()
    files = sorted(p for p in submissions.iterdir() if p.is_file() and not p.name.startswith("."))
    results_dir, work_dir = out / "results", out / "work"
    results_dir.mkdir(parents=True, exist_ok=True)
    results: dict[str, dict] = {}
    pending = []
    for path in files:
        try:
            name, nb, status = prepare(path, assignments)
        except Exception as error:  # noqa: BLE001 - a file must never stop the batch
            name, nb, status = None, None, f"error: {type(error).__name__}: {str(error)[:100]}"
        try:
            key = file_key(path, assignments.get(name or ""))
        except OSError:
            key = hashlib.sha256(path.name.encode()).hexdigest()[:32]
        cached = results_dir / f"{key}.json"
        if cached.exists():
            results[path.name] = json.loads(cached.read_text())
        elif status is not None:
            results[path.name] = error_result(name, status)
            atomic_write(cached, json.dumps(results[path.name], sort_keys=True))
        else:
            pending.append((path, name, nb, key))
    log(f"{len(files)} submissions: {len(files) - len(pending)} already graded or rejected, {len(pending)} to grade "
        f"with {workers} worker(s)")

    if pending:
        import nbformat

        sandbox.preload()
        env = grading_env()
        running: dict[int, tuple] = {}
        retried: set[str] = set()
        queue = list(pending)
        while queue or running:
            while queue and len(running) < workers:
                path, name, nb, key = queue.pop(0)
                job = work_dir / key
                shutil.rmtree(job, ignore_errors=True)
                job.mkdir(parents=True)
                nb.setdefault("metadata", {}).setdefault("otter", {})["assignment_name"] = name
                submission = job / "submission" / f"{name}.ipynb"
                submission.parent.mkdir()
                nbformat.write(nbformat.from_dict(nb), submission)
                pid = sandbox.start(submission, assignments[name].zip_path, job, memory_mb, env)
                running[pid] = (path, name, key, job, time.monotonic())
            time.sleep(0.05)
            for pid, (path, name, key, job, started) in list(running.items()):
                done, status = os.waitpid(pid, os.WNOHANG)
                timed_out = not done and time.monotonic() - started > timeout
                if not done and not timed_out:
                    continue
                sandbox.kill_session(pid)
                if timed_out:
                    os.waitpid(pid, 0)
                del running[pid]
                seconds = time.monotonic() - started
                if timed_out:
                    result = error_result(name, STATUS_TIMEOUT)
                else:
                    try:
                        result = json.loads((job / "result.json").read_text())
                        result.setdefault("questions", {})
                        result.setdefault("possible", {})
                        result.setdefault("tests", [])
                    except (OSError, ValueError):
                        code = os.waitstatus_to_exitcode(status)
                        result = error_result(name, f"error: grader process died (exit {code}; memory limit?)")
                    result["notebook"] = name
                if result["status"] != STATUS_OK and not timed_out:
                    try:
                        result["log_tail"] = (job / "child.log").read_text(errors="replace")[-3000:]
                    except OSError:
                        pass
                retryable = result["status"].startswith(("error: the notebook's kernel died", "error: grader"))
                if retryable and key not in retried:  # one retry tells a transient failure from a real one
                    retried.add(key)
                    queue.append((path, name, nb, key))
                    log(f"  {path.name}: {result['status']} ({seconds:.1f} s), retrying once")
                    continue
                result["seconds"] = round(seconds, 2)
                atomic_write(results_dir / f"{key}.json", json.dumps(result, sort_keys=True))
                if not os.environ.get("BERTCOURSE_KEEP_JOBS"):
                    shutil.rmtree(job, ignore_errors=True)
                results[path.name] = result
                log(f"  {path.name}: {result['status']} ({seconds:.1f} s)")
        if not os.environ.get("BERTCOURSE_KEEP_JOBS"):
            shutil.rmtree(work_dir, ignore_errors=True)

    rows = [(p.name, results[p.name]) for p in files]
    used: set[str] = set()
    for file, result in rows:
        assignment = assignments.get(result.get("notebook") or "")
        atomic_write(out / "feedback" / feedback_name(file, used), feedback_markdown(file, result, assignment))
    atomic_write(out / "grades.csv", csv_text(rows, assignments))
    return rows


def _reexec_argv(args) -> list[str]:
    argv = [sys.executable, "-m", "bertcourse", "grade", str(args.submissions), "--out", str(args.out),
            "--timeout", str(args.timeout), "--memory-mb", str(args.memory_mb)]
    if args.workers:
        argv += ["--workers", str(args.workers)]
    return argv


def run(args) -> int:
    """Entry point of `python -m bertcourse grade` (re-executes itself once in the grading environment, so
    that hash seeds and thread counts are fixed before torch is imported)."""
    env = grading_env()
    if any(os.environ.get(k) != v for k, v in env.items() if k in ("PYTHONHASHSEED", OFFLINE_ENV, "OMP_NUM_THREADS")):
        os.execve(sys.executable, _reexec_argv(args), env)
    submissions, out = Path(args.submissions), Path(args.out)
    if not submissions.is_dir():
        print(f"no such folder: {submissions}", file=sys.stderr)
        return 2
    start = time.monotonic()
    rows = grade_batch(submissions, out, args.workers or os.cpu_count() or 1, args.timeout, args.memory_mb)
    ok = sum(r["status"] == STATUS_OK for _, r in rows)
    print(f"graded {len(rows)} submissions ({ok} ok) in {time.monotonic() - start:.1f} s -> {out / 'grades.csv'}")
    return 0


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("submissions", help="folder of .ipynb / otter export .zip submissions")
    p.add_argument("--out", default="grades", help="output folder (default: grades/)")
    p.add_argument("--workers", type=int, default=0, help="parallel submissions (default: number of cores)")
    p.add_argument("--timeout", type=float, default=300, help="wall-clock seconds per submission (default 300)")
    p.add_argument("--memory-mb", type=int, default=6144, help="address-space cap per submission in MB (default 6144)")
