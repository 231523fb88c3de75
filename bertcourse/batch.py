"""Batch grading: `python -m bertcourse grade SUBMISSIONS_DIR --out DIR [--workers N] [--timeout S] ...`.

Every entry of the folder gets exactly one row in DIR/grades.csv (file, notebook, status, one column per
question of every notebook, total, max) and one DIR/feedback/<file>.md; the notebook is the one its
`metadata.otter.assignment_name` names, else the one its file name contains. Grading material comes from the
autograder zips (autograder/<name>/<name>-autograder.zip), the same ones Gradescope uses.

How one submission is graded (threat model: students control their submission's bytes, nothing else):
  1. This process reads the file (bertcourse/submission.py) without running anything.
  2. The sandbox (bertcourse/sandbox.py) forks a job process that runs the notebook's code cells and then the
     course's set-up cells, as a user id of its own, without network, with resource limits, seeing only its
     own folder and the fixtures (bertcourse/sandboxed/student_side.py).
  3. A trusted grading process (a fork of this one, never running student code) runs the otter tests
     (bertcourse/verdict.py): each test calls the student's functions through a socket and judges the plain
     data that comes back. Points, expected values and verdicts exist only on this side.
  4. The job's processes are killed (all processes of its uid), its folder deleted; this process writes the
     signed result (bertcourse/cache.py), the CSV and the feedback (bertcourse/outputs.py).
  5. With 2+ workers, submissions share the machine's CPU and memory: a neighbour that floods them (many
     processes, each in a session and so a scheduling group of its own) can make an honest notebook run out
     of time. So a result that hit a limit (a timeout, a dead process, a test case cut short) while another
     submission was being graded is not final: the submission is graded again alone, after the others, and
     that grading is its row. Grades never depend on what was graded beside them.
  6. Each job owns its resources (bubblewrap; bertcourse/sandboxed/job_isolation.py): its own mount, IPC and network
     namespaces, its own tmpfs (LIMITS["disk_mb"]) as its only writable space, its own cgroup (memory of all
     its processes together, a process count, one CPU) where the machine has one, per-process limits
     otherwise. Its output is a memfd the zygote holds: nothing the job made is opened outside its limits.
     Public test cases run before hidden ones: no hidden input can reach a message the student sees.
  7. The grader's own failures (the sandbox cannot start or stops answering, the grading process fails or
     dies) are rows `error: grader: ...`: never cached, graded again alone, graded again on the next run.
     A spec that would not fit the control channel is refused before it is sent ("too large to grade").
  8. Each test case starts from the job as the notebook left it (bertcourse/sandboxed/case_isolation.py):
     the notebook's threads and processes are gone before the first case; a case's files (an overlay in a
     user and mount namespace of its own), IPC objects, writes to shared memory and processes are gone
     before the next. Limit: a notebook that rewrites the grader's own functions in its interpreter can
     skip that for its own cases (it gains nothing a student sees: public cases run first; never another
     job's). Without bubblewrap (uid, no-sandbox), or where unprivileged user namespaces are disabled (the
     grader warns), a case has no namespaces: the files are shared between the cases of one job.
  9. Nothing a job reads names a host path (bertcourse/staging.py): the sandbox mounts copies of the code
     and fixtures, and read-only overlays of the Python installation and the venv's libraries, from a
     neutral staging folder (/run/bertcourse-sandbox/<pid>-<random>), at /course, /python and /venv.
     Still readable: file contents (compiled .pyc files record the path of the venv they were compiled
     in: a venv inside the repository names the repository's path there; the base Python's build
     configuration names its prefix). Keep the grading venv outside the repository to hide its name.
What a submission can do: use its own CPU time, memory and disk within the limits and the time limit, and
return whatever values it likes from its functions (that is its answer). What it cannot do: read the hidden
tests, the masters, other submissions, the results or the grades; change a verdict; outlive its job; affect
another submission's row. Without bubblewrap the guarantees are those of `--sandbox uid` / `--no-sandbox`
(see bertcourse/sandbox.py). A re-run reuses verified results and gives identical rows.
"""

from __future__ import annotations

import argparse
import json
import os
import selectors
import signal
import socket
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from . import OFFLINE_ENV, assignment, cache, outputs, paths, submission, verdict, versions
from .boundary.channel import MAX_FRAME
from .outputs import GRADER_FAILURE, STATUS_OK, STATUS_TIMEOUT, is_grader_failure

MAX_FILE_BYTES = 200_000_000
# per job: processes (a pids cgroup and RLIMIT_NPROC of its own uid), one file's size, open files per process,
# and its writable space (a tmpfs of its own, in bubblewrap; its pages count towards its memory too)
LIMITS = {"processes": 128, "file_mb": 256, "open_files": 512, "disk_mb": 2048}


def grading_env() -> dict[str, str]:
    """The grader's own environment: offline, deterministic hashing, one thread per process."""
    from .release import offline_env

    env = offline_env(Path(tempfile.gettempdir()))
    env.pop("HF_DATASETS_CACHE", None)  # set per batch, in the grader's own folder
    env.update({"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
                "PYTHONDONTWRITEBYTECODE": "1", "WANDB_MODE": "disabled", "PYDEVD_DISABLE_FILE_VALIDATION": "1"})
    return env


PRELOAD = ["numpy", "torch", "transformers", "transformers.pipelines", "datasets", "otter.test_files",
           "sklearn.metrics"]


def preload() -> None:
    """Imports the tests need, paid once here and inherited by every grading fork."""
    import importlib

    for name in PRELOAD:
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001
            pass
    try:
        from transformers import AutoTokenizer, EvalPrediction, pipeline  # noqa: F401 - resolve lazy attributes
    except Exception:  # noqa: BLE001
        pass


# ------------------------------------------------------------------ the rows, before grading
@dataclass
class Entry:
    file: str  # the entry's name in the submissions folder
    notebook: str | None = None
    status: str | None = None  # set when the file is rejected before grading
    key: str = ""
    cells: list[str] = field(default_factory=list)
    notebook_text: str = ""  # written into the job folder under the notebook's name, as otter's checker expects
    versions: dict | None = None  # what the set-up cell recorded (bertcourse/versions.py), None: unknown


def error_result(notebook: str | None, status: str) -> dict:
    return {"notebook": notebook, "status": status, "questions": {}, "possible": {}, "tests": []}


def read_entry(path: Path, assignments: dict[str, assignment.Assignment]) -> Entry:
    """What grading needs to know about one folder entry; never raises."""
    entry = Entry(path.name)
    try:
        if path.is_symlink():
            entry.status = "error: a link, not a file"
        elif path.is_dir():
            entry.status = "error: a folder, not a notebook file"
        elif not path.is_file():
            entry.status = "error: not a regular file"
        elif path.stat().st_size > MAX_FILE_BYTES:
            entry.status = "error: the file is larger than 200 MB"
        if entry.status:
            entry.notebook = submission.pick_assignment(path.name, None, list(assignments))
            entry.key = cache.content_key(os.fsencode(path.name), "rejected")
            return entry
        data = path.read_bytes()
    except OSError as error:
        entry.status = f"error: cannot read the file ({error.strerror})"
        entry.key = cache.content_key(os.fsencode(path.name), "unreadable")
        return entry
    nb = None
    try:
        nb = submission.read_notebook(data, path.name)
    except submission.Rejected as error:
        entry.status = f"error: {error}"
    except Exception as error:  # noqa: BLE001 - a file must never stop the batch
        entry.status = f"error: unreadable submission ({type(error).__name__})"
    entry.notebook = submission.pick_assignment(path.name, nb, list(assignments))
    if entry.notebook is None and len(assignments) == 1:  # one notebook's autograder (Gradescope): that one
        entry.notebook = next(iter(assignments))
    if entry.status is None and entry.notebook is None:
        claimed = submission.claimed_name(nb)
        entry.status = (f"error: unknown notebook {outputs.safe_text(claimed, 80)!r}" if claimed
                        else "error: cannot tell which notebook this is (name the file after it, e.g. "
                             f"{sorted(assignments)[0]}.ipynb)")
    target = assignments.get(entry.notebook or "")
    entry.key = cache.content_key(data, target.zip_hash if target else "unknown")
    if entry.status is None:
        entry.cells = submission.cells_to_run(nb, target.ignored_cells)
        entry.versions = versions.recorded(nb)
        entry.notebook_text = json.dumps(nb)
    return entry


# ------------------------------------------------------------------ grading one submission
# One cell's share of a submission's time (--timeout): a cell still running then is stopped and the next one
# runs, so a stray `while True` costs only the answers that depend on it. A quarter: two hanging cells still
# leave half the time for the rest and the tests.
CELL_SHARE = 0.25


def job_spec(entry: Entry, target: assignment.Assignment, sandbox, memory_mb: int, timeout: float) -> dict:
    course = sandbox.course_path(target.name)
    links = {name: f"{course}/{name}" for name in ("offline", "metrics") if (target.files_dir / name).exists()}
    if (target.files_dir / assignment.PUBLIC_TESTS).exists():
        links["tests"] = f"{course}/{assignment.PUBLIC_TESTS}"
    limits = dict(LIMITS, memory_mb=memory_mb, cpu_seconds=int(timeout) + 30)
    return {"cells": entry.cells, "setup": target.setup_cells, "limits": limits, "links": links,
            "cell_seconds": round(timeout * CELL_SHARE, 3),
            "files": {f"{target.name}.ipynb": entry.notebook_text}, "env": sandbox.child_env()}


MAX_SPEC_BYTES = MAX_FRAME // 2  # a job's spec as sent, well inside the control channel's frame limit
TOO_LARGE = "error: the notebook is too large to grade"  # the submission's own row (its size follows)


def spec_too_large(spec: dict) -> str | None:
    """The row of a submission whose spec would not fit the control channel (checked before it is sent, so
    the template never sees it), else None."""
    size = len(json.dumps(spec, ensure_ascii=True))
    if size <= MAX_SPEC_BYTES:
        return None
    return (f"{TOO_LARGE} ({size / 2**20:.0f} MB once prepared for the sandbox; "
            f"the limit is {MAX_SPEC_BYTES / 2**20:.0f} MB: remove large outputs or pasted data)")


def _trusted_child(sock: socket.socket, result_fd: int, target: assignment.Assignment, deadline: float,
                   timeout: float, keep_fds: set[int]) -> None:
    """Body of the forked grading process: runs the tests, writes the result to `result_fd`, never returns."""
    code = 1
    try:
        import gc

        gc.freeze()  # garbage inherited from the parent is never finalized here: it could close reused fds
        for fd in os.listdir("/proc/self/fd"):  # other jobs' sockets and the sandbox's control socket
            if int(fd) > 2 and int(fd) not in keep_fds:
                try:
                    os.close(int(fd))
                except OSError:
                    pass
        null = os.open(os.devnull, os.O_WRONLY)  # the libraries' progress bars and warnings
        os.dup2(null, 1)
        os.dup2(null, 2)
        os.chdir(target.files_dir)  # where the tests' "offline/..." ids resolve
        _bound_memory(TRUSTED_MEMORY_MB)
        from .boundary.channel import Channel

        try:
            result = verdict.grade(Channel(sock), target.test_files, deadline, timeout, target.name,
                                   target.reference_answers)
        except Exception as error:  # noqa: BLE001 - a bug of ours: a row that says so, graded again, not cached
            result = {"status": f"{GRADER_FAILURE}the grading process failed ({type(error).__name__}: "
                                f"{str(error)[:200]})"}
        with os.fdopen(result_fd, "w", encoding="utf-8") as out:
            out.write(json.dumps(result))
        code = 0
    finally:
        os._exit(code)


TRUSTED_MEMORY_MB = 4096  # what one grading process may add to the grader it was forked from
MIN_MEMORY_MB = 1024  # --memory-mb below this cannot run a course notebook (the tiny model, a few datasets)


def _bound_memory(megabytes: int) -> None:
    """Cap this process's address space at its size now plus `megabytes`: whatever a submission's answers
    decode to, one grading process stays bounded (a MemoryError in a test is that test's failure)."""
    import resource

    size = 0
    for line in Path("/proc/self/status").read_text().splitlines() if Path("/proc/self/status").exists() else []:
        if line.startswith("VmSize:"):
            size = int(line.split()[1]) * 1024
    if size:
        limit = size + megabytes * 2**20
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def check_memory_mb(memory_mb: int) -> str | None:
    """Why `--memory-mb memory_mb` cannot grade, or None."""
    if memory_mb < MIN_MEMORY_MB:
        return (f"--memory-mb {memory_mb} is too small to grade: a submission needs at least {MIN_MEMORY_MB} MB "
                "for its own work (on top of the libraries the sandbox preloads)")
    return None


@dataclass
class Running:
    entry: Entry
    job: object
    pid: int
    fd: int
    started: float
    chunks: list[bytes] = field(default_factory=list)
    shared: bool = False  # another submission was being graded during some of this one's grading


def hit_a_limit(result: dict) -> bool:
    """Whether the result may depend on the machine's load: the notebook ran out of time or died, or a test
    case was cut short (out of time, its process gone)."""
    return result.get("status") != STATUS_OK or any(t.get("cut_short") for t in result.get("tests", []))


def grade_pending(pending: list[Entry], assignments: dict, sandbox, workers: int, timeout: float, memory_mb: int,
                  on_result) -> None:
    """Grade every entry of `pending` with `workers` in parallel; `on_result(entry, result)` for each. A
    result that hit a limit while the machine was shared, or a failure of the grader itself, is replaced by
    a grading of that entry alone."""
    again: list[Entry] = []

    def finished(entry: Entry, shared: bool, result: dict) -> None:
        if is_grader_failure(result) or (shared and hit_a_limit(result)):
            again.append(entry)
        else:
            on_result(entry, result)

    _grade_in_parallel(pending, assignments, sandbox, workers, timeout, memory_mb, finished, on_result)
    # one worker: one at a time, nothing else running, so these results are final (a grader failure again
    # is its row, not cached: the next run grades it again)
    _grade_in_parallel(again, assignments, sandbox, 1, timeout, memory_mb,
                       lambda entry, _, result: on_result(entry, dict(result, graded_alone=True)), on_result)


def _grade_in_parallel(pending: list[Entry], assignments: dict, sandbox, workers: int, timeout: float,
                       memory_mb: int, finished, on_final) -> None:
    """Grade `pending` with up to `workers` at once; `finished(entry, shared, result)` for each graded one,
    `on_final(entry, result)` for one refused before grading."""
    selector = selectors.DefaultSelector()
    running: dict[int, Running] = {}
    queue = list(pending)
    while queue or running:
        while queue and len(running) < workers:
            entry = queue.pop(0)
            target = assignments[entry.notebook]
            spec = job_spec(entry, target, sandbox, memory_mb, timeout)
            too_large = spec_too_large(spec)
            if too_large:  # the submission's own row: never sent to the sandbox
                on_final(entry, error_result(entry.notebook, too_large))
                continue
            mine, theirs = socket.socketpair()
            try:
                job = sandbox.start_job(spec, theirs)
            except Exception as error:  # noqa: BLE001 - the grader's failure: graded again, never cached
                mine.close()
                theirs.close()
                finished(entry, bool(running), error_result(
                    entry.notebook, f"{GRADER_FAILURE}the sandbox could not start a job ({str(error)[:300]})"))
                continue
            theirs.close()
            read_fd, write_fd = os.pipe()
            started = time.monotonic()
            sys.stdout.flush()
            sys.stderr.flush()
            pid = os.fork()
            if pid == 0:
                _trusted_child(mine, write_fd, target, started + timeout, timeout, {mine.fileno(), write_fd})
            mine.close()
            os.close(write_fd)
            os.set_blocking(read_fd, False)
            for other in running.values():
                other.shared = True
            running[read_fd] = Running(entry, job, pid, read_fd, started, shared=bool(running))
            selector.register(read_fd, selectors.EVENT_READ)
        for key, _ in selector.select(timeout=0.2):
            run = running[key.fd]
            try:
                data = os.read(key.fd, 1 << 20)
            except BlockingIOError:
                continue
            if data:
                run.chunks.append(data)
                continue
            _finish(run, selector, running, sandbox, finished, timed_out=False)
        now = time.monotonic()
        for run in [r for r in running.values() if now - r.started > timeout + 5]:
            _finish(run, selector, running, sandbox, finished, timed_out=True)
    selector.close()  # now, not when a collection frees it: that might close a reused fd in a grading child


def _finish(run: Running, selector, running: dict, sandbox, finished, timed_out: bool) -> None:
    selector.unregister(run.fd)
    os.close(run.fd)
    del running[run.fd]
    if timed_out:
        try:
            os.kill(run.pid, signal.SIGKILL)
        except OSError:
            pass
    os.waitpid(run.pid, 0)
    log_tail, lost = "", sandbox.lost_since(run.job)
    try:
        log_tail = sandbox.end_job(run.job)
    except Exception:  # noqa: BLE001 - the template is lost (and restarted for the next job)
        lost = True
    seconds = time.monotonic() - run.started
    if lost:  # the job died with the template, or could not be ended: says nothing about the submission
        result = error_result(run.entry.notebook, f"{GRADER_FAILURE}the sandbox's template was lost while this "
                                                  "submission was graded")
    elif timed_out:
        result = error_result(run.entry.notebook, STATUS_TIMEOUT)
    else:
        try:
            result = json.loads(b"".join(run.chunks).decode("utf-8"))
            result.setdefault("questions", {})
            result.setdefault("possible", {})
            result.setdefault("tests", [])
        except ValueError:
            result = error_result(run.entry.notebook, f"{GRADER_FAILURE}the grading process for this submission died")
    result["notebook"] = run.entry.notebook
    result["versions"] = run.entry.versions
    for error in result.get("cell_errors") or []:  # which cell, in the student's words (read from the file here)
        if 1 <= error["cell"] <= len(run.entry.cells):
            error["first_line"] = next((line.strip() for line in run.entry.cells[error["cell"] - 1].splitlines()
                                        if line.strip()), "")[:80]
    if result["status"] != STATUS_OK:
        result["log_tail"] = outputs.safe_text(log_tail, 3000)
    result["seconds"] = round(seconds, 2)
    finished(run.entry, run.shared, result)


# ------------------------------------------------------------------ the batch
def autograder_zips(autograder_dir: Path = paths.AUTOGRADER) -> list[Path]:
    return sorted(p / f"{p.name}-autograder.zip" for p in autograder_dir.iterdir()
                  if (p / f"{p.name}-autograder.zip").is_file())


def grade_batch(submissions_dir: Path, out: Path, workers: int, timeout: float, memory_mb: int, sandbox_kind: str,
                material: list[Path] | None = None, log=print, only: str | None = None,
                progress: bool = False) -> tuple[list[tuple[str, dict]], dict]:
    """Grade every entry of `submissions_dir` against the autograder zips (or extracted folders) in `material`
    (`only`: regrade that one file, take every other row from the cache). Returns the rows (file name, result)
    in file-name order and the assignments by name."""
    from .sandbox import Sandbox

    out.mkdir(parents=True, exist_ok=True)
    if sandbox_kind == "uid":  # no mount namespace hides the outputs from the job uids: only we may open them
        os.chmod(out, 0o700)
    scratch = Path(tempfile.mkdtemp(prefix="bertcourse-grader-"))
    os.chmod(scratch, 0o711)
    from .sandboxed.student_side import point_caches

    point_caches(scratch / "hf")  # the tests' own caches, never the sandbox's
    try:
        assignments = assignment.load_all(material or autograder_zips(), scratch / "assignments")
        results_cache = cache.ResultsCache(out / "results")
        entries = [read_entry(p, assignments) for p in sorted(submissions_dir.iterdir(), key=lambda p: p.name)]
        results: dict[str, dict] = {}
        pending: dict[str, Entry] = {}  # one grading per distinct content
        if only is not None and only not in {e.file for e in entries}:
            raise FileNotFoundError(f"--only {only}: no such file in {submissions_dir}")
        for entry in entries:
            target = assignments.get(entry.notebook or "")
            cached = results_cache.get(entry.key, target.questions if target else None)
            if only is not None and entry.file != only:
                results[entry.key] = cached or error_result(entry.notebook, "error: not graded yet (graded with --only)")
            elif cached is not None and only is None:
                results[entry.key] = cached
            elif entry.status is not None:
                results[entry.key] = error_result(entry.notebook, entry.status)
                results_cache.put(entry.key, results[entry.key])
            else:
                pending.setdefault(entry.key, entry)
        log(f"{len(entries)} submissions: {len(entries) - len(pending)} already graded or rejected, "
            f"{len(pending)} to grade with {workers} worker(s) ({sandbox_kind} sandbox)")

        bar = _progress_bar(len(pending), progress)
        counts = {"ok": 0, "error": 0, "timeout": 0}

        def on_result(entry: Entry, result: dict) -> None:
            results[entry.key] = result
            results_cache.put(entry.key, result)  # not a grader failure: that is graded again next run
            counts[result["status"].split(":")[0] if result["status"].split(":")[0] in counts else "error"] += 1
            alone = ", graded again alone: it hit a limit beside another submission"
            line = (f"  {outputs.display_name(entry.file)}: {result['status']} ({result.get('seconds', 0):.1f} s"
                    f"{alone if result.get('graded_alone') else ''})")
            if bar is None:
                log(line)
            else:
                bar.set_postfix(counts, refresh=False)
                bar.update(1)

        if pending:
            sandbox = Sandbox(sandbox_kind, {name: a.files_dir for name, a in assignments.items()})
            preload()  # while the sandbox imports the same libraries on the other core
            try:
                grade_pending(list(pending.values()), assignments, sandbox, workers, timeout, memory_mb, on_result)
            finally:
                sandbox.close()
                if bar is not None:
                    bar.close()

        rows = [(entry.file, results[entry.key]) for entry in entries]
        used: set[str] = set()
        for file_name, result in rows:
            text = outputs.feedback_markdown(file_name, result, assignments.get(result.get("notebook") or ""))
            cache.atomic_write(out / "feedback" / outputs.feedback_name(file_name, used), text)
        cache.atomic_write(out / "grades.csv", outputs.csv_text(rows, assignments))
        write_reports(out, rows, assignments)
        return rows, assignments
    finally:
        import shutil

        shutil.rmtree(scratch, ignore_errors=True)


def _progress_bar(total: int, wanted: bool):
    """A progress bar (done / total, ok / error / timeout, ETA) on a terminal; None elsewhere (then one line per
    submission is logged instead)."""
    if not (wanted and total and sys.stderr.isatty()):
        return None
    from tqdm import tqdm

    return tqdm(total=total, unit="submission", dynamic_ncols=True, file=sys.stderr)


def write_reports(out: Path, rows: list[tuple[str, dict]], assignments: dict) -> None:
    """report.html, canvas_gradebook.csv and final_grades_<notebook>.csv beside grades.csv (bertcourse/report.py)."""
    from . import report

    summary = report.summarize(rows, assignments)
    cache.atomic_write(out / "report.html", report.render_html(summary, unknown=report.unknown_rows(rows, assignments)))
    cache.atomic_write(out / "canvas_gradebook.csv", report.canvas_csv(rows, assignments))
    for name, target in assignments.items():
        if name in summary:
            cache.atomic_write(out / f"final_grades_{name}.csv", report.otter_final_grades(rows, target))


def ensure_grading_env() -> None:
    """Re-execute this command once in the grading environment, so that hash seeds and thread counts are fixed
    before torch is imported."""
    env = grading_env()
    if any(os.environ.get(k) != v for k, v in env.items() if k in ("PYTHONHASHSEED", OFFLINE_ENV, "OMP_NUM_THREADS")):
        os.execve(sys.executable, [sys.executable, "-m", "bertcourse", *sys.argv[1:]], env)


def run(args) -> int:
    """Entry point of `python -m bertcourse grade`."""
    from .sandbox import SandboxUnavailable, choose

    ensure_grading_env()
    submissions_dir, out = Path(args.submissions), Path(args.out)
    if check_memory_mb(args.memory_mb):
        print(f"error: {check_memory_mb(args.memory_mb)}", file=sys.stderr)
        return 2
    if not submissions_dir.is_dir():
        print(f"no such folder: {submissions_dir}", file=sys.stderr)
        return 2
    try:
        kind = choose("none" if args.no_sandbox else args.sandbox, acknowledged=args.i_understand_uid_mode)
    except SandboxUnavailable as error:
        print(f"error: {error}", file=sys.stderr)
        return 3
    if kind != "bwrap":
        from .sandbox import GIVES_UP

        print(f"warning: grading with --sandbox {kind}: {GIVES_UP[kind]}", file=sys.stderr)
    start = time.monotonic()
    try:
        rows, _ = grade_batch(submissions_dir, out, args.workers or os.cpu_count() or 1, args.timeout,
                              args.memory_mb, kind, only=args.only, progress=True)
    except FileNotFoundError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    ok = sum(r["status"] == STATUS_OK for _, r in rows)
    print(f"graded {len(rows)} submissions ({ok} ok) in {time.monotonic() - start:.1f} s -> {out / 'grades.csv'}")
    return 0


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("submissions", help="folder of .ipynb / otter export .zip submissions")
    p.add_argument("--out", default="grades", help="output folder (default: grades/)")
    p.add_argument("--workers", type=int, default=0, help="parallel submissions (default: number of cores)")
    p.add_argument("--timeout", type=float, default=300, help="wall-clock seconds per submission (default 300)")
    p.add_argument("--memory-mb", type=int, default=6144,
                   help="memory of one submission in MB, all its processes and files together (a cgroup of its own; "
                        "where the machine has no cgroups, per process), on top of the libraries the sandbox "
                        f"preloads (with a cgroup one process may take 3/4 of it); at least {MIN_MEMORY_MB} (default 6144)")
    p.add_argument("--sandbox", choices=["auto", "bwrap", "uid", "none"], default="auto",
                   help="where student code runs (default: bubblewrap, refusing if it cannot be used)")
    p.add_argument("--no-sandbox", action="store_true", help="same as --sandbox none (see what it gives up)")
    p.add_argument("--i-understand-uid-mode", action="store_true",
                   help="with --sandbox uid: accept what it gives up (no namespaces: submissions can read every "
                        "world-readable file, the repository included, and see the machine's processes); for a "
                        "machine or container that holds nothing else, e.g. one submission per container")
    p.add_argument("--only", metavar="FILE", help="regrade this one file of the folder; every other row stays")
