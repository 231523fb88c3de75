"""Grade one submission in a forked, killable, memory-capped process with otter's own runner.

Speed: `otter run` costs ~16 s per submission here, mostly imports (otter ~3 s in the runner, torch +
transformers ~7 s in the fresh kernel). The batch parent imports all of that ONCE (`preload`), then for
every submission forks a grading child (its own session: `os.setsid`, RLIMIT_AS memory cap) that runs
`otter.run.main` unchanged except that the Jupyter kernel is not a fresh `python -m ipykernel_launcher`
but a fork of the child made before any event loop or thread exists (`_KernelFork`): same interpreter,
modules already imported, started in a few hundred milliseconds. The kernel stays in the child's session
(its own process group, as jupyter_client expects), so `kill_session` reaps child, kernel and anything
they spawned.

The child writes `result.json` into its job folder: {"status", "questions", "possible", "tests", ...}.
"""

from __future__ import annotations

import json
import os
import resource
import secrets
import signal
import sys
import time
import traceback
from pathlib import Path

PRELOAD = ["otter", "otter.run", "otter.execute", "otter.test_files", "nbclient", "nbconvert.preprocessors",
           "jupyter_client", "ipykernel.kernelapp", "ipykernel.ipkernel", "IPython", "numpy", "pandas",
           "torch", "transformers", "transformers.pipelines", "datasets", "sklearn.metrics", "dill"]


def preload() -> None:
    """Import what grading and the notebooks need, once, in the batch parent (inherited by every fork)."""
    import importlib

    for name in PRELOAD:
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001 - an optional library (sklearn) may be missing
            pass
    try:
        from transformers import AutoTokenizer, pipeline  # noqa: F401 - resolve the lazy attributes now
        from datasets import load_dataset  # noqa: F401
    except Exception:  # noqa: BLE001
        pass


# --- the kernel as a fork ---------------------------------------------------------------------------------------
class _NoPipe:
    def close(self):
        pass


class _KernelFork:
    """A Popen look-alike for a kernel process forked before the grading child started its event loop."""

    def __init__(self, pid: int):
        self.pid = pid
        self.returncode = None
        self.stdin = _NoPipe()  # jupyter_client closes the stdin pipe it thinks it made
        self.stdout = self.stderr = None

    def poll(self):
        if self.returncode is None:
            try:
                pid, status = os.waitpid(self.pid, os.WNOHANG)
            except ChildProcessError:
                self.returncode = -1
                return self.returncode
            if pid:
                self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode

    def wait(self, timeout=None):
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if deadline is not None and time.monotonic() > deadline:
                import subprocess

                raise subprocess.TimeoutExpired("kernel", timeout)
            time.sleep(0.02)
        return self.returncode

    def send_signal(self, sig):
        if self.poll() is None:
            os.kill(self.pid, sig)

    def terminate(self):
        self.send_signal(signal.SIGTERM)

    def kill(self):
        self.send_signal(signal.SIGKILL)


def _prefork_kernel() -> tuple[int, int]:
    """Fork the future kernel now (single-threaded, no event loop); it waits for its launch command."""
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid:
        os.close(read_fd)
        try:
            os.setpgid(pid, pid)
        except OSError:
            pass
        return pid, write_fd
    # --- kernel process -----------------------------------------------------------------------------------
    code = 1
    try:
        os.setpgid(0, 0)
        os.close(write_fd)
        chunks = []
        while chunk := os.read(read_fd, 65536):
            chunks.append(chunk)
        if not chunks:
            os._exit(0)
        spec = json.loads(b"".join(chunks))
        os.chdir(spec["cwd"])
        os.environ.clear()
        os.environ.update(spec["env"])
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        cmd = spec["cmd"]
        args = cmd[cmd.index("-f"):] if "-f" in cmd else cmd[3:]
        sys.argv = [sys.executable, "-m", "ipykernel_launcher", *args]
        sys.path[:] = [p for p in sys.path if p not in ("", os.getcwd(), spec.get("repo", ""))]
        from ipykernel.kernelapp import IPKernelApp

        app = IPKernelApp.instance()
        app.initialize(args)
        app.start()
        code = 0
    except BaseException:  # noqa: BLE001
        traceback.print_exc()
    finally:
        os._exit(code)


def _install_kernel_fork(pid: int, write_fd: int, repo: str) -> None:
    import jupyter_client.launcher as launcher

    used = []

    def popen(cmd, **kwargs):
        if used:
            raise RuntimeError("the grading kernel cannot be restarted")
        used.append(1)
        env = kwargs.get("env") or dict(os.environ)
        spec = {"cmd": list(cmd), "env": dict(env), "cwd": str(kwargs.get("cwd") or os.getcwd()), "repo": repo}
        os.write(write_fd, json.dumps(spec).encode())
        os.close(write_fd)
        return _KernelFork(pid)

    launcher.Popen = popen


# --- the grading child ------------------------------------------------------------------------------------------
def _install_integrity_cells(verdict: Path) -> None:
    from otter.execute import preprocessor

    from .tamper import INIT_SNIPPET, VERIFY_SNIPPET

    var = f"_bc_{secrets.token_hex(8)}"
    def escaped(snippet: str) -> str:  # otter .format()s these templates later
        return snippet.replace("__VAR__", var).replace("__PATH__", repr(str(verdict))).replace("{", "{{").replace("}", "}}")

    preprocessor.INIT_CELL_SOURCE = preprocessor.INIT_CELL_SOURCE + escaped(INIT_SNIPPET)
    preprocessor.EXPORT_CELL_SOURCE = preprocessor.EXPORT_CELL_SOURCE + escaped(VERIFY_SNIPPET)


def _install_tests_guard(record: dict) -> None:
    """Wrap otter's grade_notebook: note the tests folder (inode, ctime, size) before the kernel starts and
    compare after it exits. ctime cannot be set back by the writer, so any write, chmod, rename or delete
    of a test file shows, even if the content was put back."""
    from otter.run.run_autograder.runners import python_runner

    original = python_runner.grade_notebook

    def stat_tests(test_dir: str) -> dict:
        out = {}
        for entry in sorted(Path(test_dir).iterdir()):
            st = entry.lstat()
            out[entry.name] = (st.st_ino, st.st_ctime_ns, st.st_size, st.st_mode)
        st = Path(test_dir).lstat()
        out["."] = (st.st_ino, st.st_ctime_ns, st.st_mode)
        return out

    def guarded(*args, **kwargs):
        test_dir = os.path.abspath(kwargs.get("test_dir") or "./tests")
        before = stat_tests(test_dir)
        record["tests_dir"] = test_dir
        try:
            return original(*args, **kwargs)
        finally:
            try:
                after = stat_tests(test_dir)
            except OSError as error:
                after = {"error": str(error)}
            record["tests_changed"] = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))

    python_runner.grade_notebook = guarded


def _grade_child(submission: Path, autograder_zip: Path, job: Path, memory_mb: int, env: dict) -> None:
    """Body of the forked grading child. Writes job/result.json; never returns."""
    code = 1
    try:
        os.setsid()
        if memory_mb:
            limit = memory_mb * 1024 * 1024
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        log = os.open(job / "child.log", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.dup2(log, 1)
        os.dup2(log, 2)
        work = job / "tmp"
        work.mkdir()
        os.environ.clear()
        os.environ.update(env)
        os.environ["TMPDIR"] = str(work)
        os.environ["HF_DATASETS_CACHE"] = str(work / "hf-datasets-cache")
        import tempfile

        tempfile.tempdir = str(work)
        os.chdir(work)
        kernel_pid, kernel_fd = _prefork_kernel()
        result = _run_otter(submission, autograder_zip, job, kernel_pid, kernel_fd)
        code = 0
    except BaseException as error:  # noqa: BLE001
        result = {"status": f"error: grader crashed ({type(error).__name__}: {str(error)[:200]})"}
        traceback.print_exc()
    try:
        tmp = job / "result.json.tmp"
        tmp.write_text(json.dumps(result))
        os.replace(tmp, job / "result.json")
    finally:
        os._exit(code)


def _run_otter(submission: Path, autograder_zip: Path, job: Path, kernel_pid: int, kernel_fd: int) -> dict:
    from otter.run import main as otter_run_main
    from otter.run.run_autograder.utils import OtterRuntimeError

    from .grading import parse_results
    from .paths import REPO

    verdict = job / f"verdict-{secrets.token_hex(12)}.txt"
    record: dict = {}
    _install_kernel_fork(kernel_pid, kernel_fd, str(REPO))
    _install_integrity_cells(verdict)
    _install_tests_guard(record)
    out = job / "otter-out"
    out.mkdir()
    try:
        results = otter_run_main(str(submission), autograder=str(autograder_zip), output_dir=str(out),
                                 no_logo=True)
    except OtterRuntimeError as error:
        return {"status": f"error: {str(error).strip().splitlines()[0][:200]}"}
    except BaseException as error:  # noqa: BLE001 - DeadKernelError, CellTimeoutError, ...
        traceback.print_exc()
        name = type(error).__name__
        if name == "DeadKernelError" or "Kernel died" in str(error):
            return {"status": "error: the notebook's kernel died (os._exit, crash or memory limit)"}
        return {"status": f"error: {name}: {str(error).strip()[:200]}"}
    grade = parse_results(out / "results.json")
    status = "ok"
    if record.get("tests_changed"):
        status = f"error: tampering: the tests folder was modified ({', '.join(record['tests_changed'][:5])})"
    elif not verdict.exists():
        status = "error: tampering: the integrity check did not run"
    else:
        text = verdict.read_text()
        if not text.startswith("OK"):
            status = "error: tampering: " + "; ".join(text.splitlines()[1:4])
    return {"status": status, "questions": grade.questions, "possible": grade.possible,
            "tests": _test_details(results)}


def _test_details(results) -> list[dict]:
    """Per test case: question, name, hidden, passed, points, message (messages of hidden tests dropped)."""
    details = []
    for question, test_file in sorted(results.results.items()):
        for case_result in getattr(test_file, "test_case_results", []):
            case = case_result.test_case
            hidden = bool(case.hidden)
            message = "" if case_result.passed else (case_result.message or "").strip()
            details.append({"question": question, "name": case.name, "hidden": hidden,
                            "passed": bool(case_result.passed), "message": "" if hidden else message[-2000:]})
    return details


# --- the parent side --------------------------------------------------------------------------------------------
def start(submission: Path, autograder_zip: Path, job: Path, memory_mb: int, env: dict) -> int:
    """Fork a grading child for one submission; returns its pid (= its session and process group id)."""
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:
        _grade_child(submission, autograder_zip, job, memory_mb, env)
    return pid


def session_members(sid: int) -> list[int]:
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[3]) == sid:  # fields after "(comm)": state ppid pgrp session ...
            pids.append(int(entry))
    return pids


def kill_session(sid: int) -> None:
    """SIGKILL the grading child's process group and every process left in its session (the kernel)."""
    for _ in range(3):
        try:
            os.killpg(sid, signal.SIGKILL)
        except OSError:
            pass
        members = session_members(sid)
        for pid in members:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        if not members:
            return
        time.sleep(0.05)
