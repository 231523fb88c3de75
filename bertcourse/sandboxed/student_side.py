"""What runs inside the sandbox for one submission: the student's cells, then answers to the grader.

A job process (forked by bertcourse/sandboxed/zygote.py) drops to its own user id, sets its resource limits, makes its
folder and runs the notebook's code cells in an IPython shell, as Jupyter would: a cell that raises is
reported and the next one runs; magics and `!commands` work. Then it runs the course's set-up cells (sent by
the grader, taken from the master) so the student's functions see the course's model ids, tokenizer and
pipeline, and tells the grader it is ready.

When the notebook has finished, a fork of it with one thread becomes the job's template: the process that
ran the notebook exits (with every thread it started) and every other process of the job is killed. For
every test case the grader asks for a fresh test process, a fork of that template, which makes itself
independent of every other case (bertcourse/sandboxed/case_isolation.py: its own overlay of the job's
files, IPC namespace, private copies of shared memory, no inherited pipe or writable file), so that a case
can neither change what the next one starts from nor take it down (an `os._exit` or an endless loop costs
that case only); when the case ends, everything it started is killed.
A test process answers two requests, on a socket of its own:
  {"op": "lookup", "name": N}  ->  {"kind": "function"} | {"kind": "value", "value": <plain>} | {"kind": "missing"}
  {"op": "call", "name": N, "args": <plain>, "kwargs": <plain>, "timeout": S}
                               ->  {"ok": true, "value": <plain>} | {"ok": false, "error": {"type", "message"}}
Values cross only as plain data (bertcourse/boundary/plain.py). Trusts the zygote's spec (the grader's) until the first student cell runs; from then on nothing in this
process is trusted: the grader decides.
"""

from __future__ import annotations

import ctypes
import os
import resource
import signal
import socket
import sys
import time
from pathlib import Path

from ..boundary import plain
from ..boundary.channel import Channel, ChannelClosed
from . import case_isolation, job_isolation, processes

MISSING = object()


def offline_metrics() -> None:
    """`evaluate.load("accuracy")` (or "f1", "precision", "recall", "seqeval": hub metrics, the usual habit in
    Colab) loads the course's own copy of that metric from the notebook's metrics/ folder: grading is offline, and
    the hub's scripts cannot load there. `evaluate.combine` loads through the same function."""
    evaluate = sys.modules.get("evaluate")
    if evaluate is None or getattr(evaluate.load, "_course_offline", False):
        return
    import evaluate.loading

    hub_load = evaluate.loading.load

    def load(path, *args, **kwargs):
        name = path.removeprefix("evaluate-metric/") if isinstance(path, str) else path
        if isinstance(name, str) and not os.path.exists(path) and os.path.isdir(os.path.join("metrics", name)):
            path = os.path.join("metrics", name)
        return hub_load(path, *args, **kwargs)

    load._course_offline = True
    evaluate.load = evaluate.loading.load = load


def make_shell():
    from IPython.core.interactiveshell import InteractiveShell
    from traitlets.config import Config

    config = Config()
    config.HistoryManager.enabled = False  # no sqlite history file
    config.InteractiveShell.colors = "NoColor"
    config.InteractiveShell.xmode = "Plain"
    return InteractiveShell.instance(config=config)


# ------------------------------------------------------------------ the job process
def job_main(sock: socket.socket, job: str, uid: int | None, spec: dict, shell, log_fd: int, isolated: bool) -> None:
    """Body of the forked job process: never returns. Its first message says whether the sandbox could set the
    job up ({"event": "isolated"}, or {"event": "broken"}: the grader's failure, no student code ran); only
    then does student code run, so a student cannot forge it."""
    code = 1
    channel = None
    try:
        channel = Channel(sock)
        os.setsid()
        try:
            limits, whole_job_cgroup = spec["limits"], False
            if isolated:
                whole_job_cgroup = job_isolation.join_cgroup(job, int(limits["memory_mb"]) * 2**20,
                                                             int(limits["processes"]))
                job_isolation.isolate(job_isolation.JOBS_ROOT, uid, int(limits.get("disk_mb", 1024)))
            if uid is not None:
                os.setgroups([])
                os.setgid(uid)
                os.setuid(uid)
            _no_new_privileges()
            _make_folder(job, spec)
            _set_limits(limits, whole_job_cgroup)
            _redirect_output(log_fd)
        except BaseException as error:  # noqa: BLE001
            channel.send({"event": "broken", "error": f"{type(error).__name__}: {str(error)[:300]}"})
            raise
        channel.send({"event": "isolated"})
        started = time.monotonic()
        cell_seconds = spec.get("cell_seconds")
        cells, failed, errors = run_cells(shell, spec["cells"], float(cell_seconds) if cell_seconds else None)
        _, setup_failed, _ = run_cells(shell, spec["setup"])
        _become_template(uid is not None)
        channel.send({"event": "ready", "cells": cells, "failed_cells": failed, "cell_errors": errors,
                      "setup_failed": setup_failed, "seconds": round(time.monotonic() - started, 3)})
        serve_tests(channel, shell, uid is not None,
                    str(job_isolation.JOBS_ROOT) if isolated and case_isolation.available else None,
                    int(limits.get("disk_mb", 1024)))
        code = 0
    except BaseException:  # noqa: BLE001
        import traceback

        traceback.print_exc()
    finally:
        os._exit(code)


def _become_template(own_uid: bool) -> None:
    """The finished notebook becomes the template every test case is forked from: a fork of it with one
    thread, ours (threads the notebook started stay behind in the process that exits here), no other process
    of the job left running, and no handler of the notebook's run on a signal."""
    processes.kill_the_rest_of_my_job(own_uid)  # first: a notebook at its process limit leaves room to fork
    if os.fork() != 0:
        os._exit(0)
    processes.kill_the_rest_of_my_job(own_uid)  # and what its threads started meanwhile
    for number in signal.valid_signals():
        if callable(signal.getsignal(number)) and number != signal.SIGINT:
            signal.signal(number, signal.SIG_DFL)
    sys.settrace(None)
    sys.setprofile(None)


def _no_new_privileges() -> None:
    """Set-uid programs (su, sudo) cannot raise this process's privileges again."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(38, 1, 0, 0, 0)  # PR_SET_NO_NEW_PRIVS
    except Exception:  # noqa: BLE001 - not Linux
        pass


def _make_folder(job: str, spec: dict) -> Path:
    from .job_isolation import job_dir

    folder = job_dir(job)
    folder.mkdir(mode=0o700)
    for name, target in spec.get("links", {}).items():  # offline/ fixtures and metrics/, read-only
        (folder / name).symlink_to(target)
    for name, text in spec.get("files", {}).items():
        if "/" not in name and not name.startswith("."):
            (folder / name).write_text(text, encoding="utf-8", errors="replace")
    (folder / "tmp").mkdir()
    os.chdir(folder)
    os.environ.clear()
    os.environ.update(spec["env"])
    os.environ.update({"HOME": str(folder), "TMPDIR": str(folder / "tmp"), "MPLCONFIGDIR": str(folder / "tmp")})
    point_caches(folder / "hf")
    import tempfile

    tempfile.tempdir = str(folder / "tmp")
    sys.path[:] = [p for p in sys.path if p not in ("", ".")]
    sys.path.insert(0, str(folder))  # the notebook's folder, as in Jupyter
    return folder


# Cache paths the HuggingFace libraries compute once, at import: module -> attribute -> folder below the cache
_CACHE_PATHS = {
    "datasets.config": {"HF_CACHE_HOME": "", "HF_DATASETS_CACHE": "datasets", "HF_MODULES_CACHE": "modules",
                        "DOWNLOADED_DATASETS_PATH": "datasets/downloads",
                        "EXTRACTED_DATASETS_PATH": "datasets/downloads/extracted"},
    "evaluate.config": {"HF_CACHE_HOME": "", "HF_EVALUATE_CACHE": "evaluate", "HF_METRICS_CACHE": "metrics",
                        "HF_MODULES_CACHE": "modules", "DOWNLOADED_EVALUATE_PATH": "evaluate/downloads",
                        "EXTRACTED_EVALUATE_PATH": "evaluate/downloads/extracted"},
    "huggingface_hub.constants": {"HF_HOME": "", "HF_HUB_CACHE": "hub"},
}


def point_caches(folder: Path) -> None:
    """HuggingFace caches under `folder`. The libraries read their cache paths once, at import (in the zygote,
    before the job existed): set the variables and the values they already read (keeping str or Path)."""
    os.environ.update({"HF_HOME": str(folder), "HF_DATASETS_CACHE": str(folder / "datasets")})
    for module_name, attributes in _CACHE_PATHS.items():
        module = sys.modules.get(module_name)
        for attribute, below in attributes.items() if module is not None else ():
            path = folder / below if below else folder
            setattr(module, attribute, path if isinstance(getattr(module, attribute, None), Path) else str(path))


PROCESS_SHARE = 0.75  # of the job's memory one process may add, with a cgroup holding the whole job's memory


def _vm_size() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmSize:"):
            return int(line.split()[1]) * 1024
    return 0


def _set_limits(limits: dict, whole_job_cgroup: bool) -> None:
    """The memory limit counts what the job adds to the template (the preloaded libraries it inherits are
    the template's). With a cgroup holding the whole job's memory, one process may add PROCESS_SHARE of it
    (a single runaway allocation gets a MemoryError, as in Jupyter, before the cgroup's limit ends the job);
    without one, this per-process address-space cap is the only memory limit."""
    mb = 1024 * 1024
    memory = limits.get("memory_mb", 0) * mb
    if memory:
        memory = _vm_size() + int(memory * (PROCESS_SHARE if whole_job_cgroup else 1))
    for name, value in [("RLIMIT_AS", memory), ("RLIMIT_NPROC", limits.get("processes", 0)),
                        ("RLIMIT_FSIZE", limits.get("file_mb", 0) * mb), ("RLIMIT_CPU", limits.get("cpu_seconds", 0)),
                        ("RLIMIT_NOFILE", limits.get("open_files", 0)), ("RLIMIT_CORE", 0)]:
        if value or name == "RLIMIT_CORE":
            resource.setrlimit(getattr(resource, name), (int(value), int(value)))
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the file-size cap fails instead of killing


def _redirect_output(log_fd: int) -> None:
    """stdout and stderr to the memfd the zygote holds (it reads the tail when the job ends)."""
    os.dup2(log_fd, 1)
    os.dup2(log_fd, 2)
    os.close(log_fd)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)


MAX_CELL_ERRORS = 20


def run_cells(shell, cells: list[str], cell_seconds: float | None = None) -> tuple[int, int, list[dict]]:
    """Run each cell as Jupyter would (an error is shown and the next cell runs). Returns (cells run, cells
    failed, the first errors: {"cell": its 1-based position in `cells`, "type", "message"}), so the feedback can
    say which cell failed and why (e.g. a model placed on "cuda" on the GPU-less grader). A cell still running
    after `cell_seconds` is stopped (type "CellStopped") and the next cell runs: a hanging cell costs only the
    answers that depend on it."""
    failed, errors = 0, []
    for number, source in enumerate(cells, start=1):
        result, error = _run_cell_within(shell, source, cell_seconds)
        if result is None or not result.success:
            failed += 1
            if isinstance(error, CellStopped):
                error = CellStopped(f"stopped after {cell_seconds:g} s")
            if len(errors) < MAX_CELL_ERRORS:
                errors.append({"cell": number, **_describe(error if error is not None else RuntimeError("failed"))})
        sys.stdout.flush()
    return len(cells), failed, errors


class CellStopped(BaseException):
    """Raised in a cell past its time limit. A BaseException, raised again every second until the cell ends:
    a student's `except Exception` (or one `except:`) in a loop does not keep the cell running."""


_cell_limit = {"active": False}


def _stop_cell(signum, frame):
    if _cell_limit["active"]:
        raise CellStopped()


def _run_cell_within(shell, source: str, seconds: float | None):
    """(IPython's result or None, the error or None) of one cell, stopped after `seconds` (None: no limit)."""
    outcome = (None, CellStopped())
    try:
        try:
            if seconds:
                signal.signal(signal.SIGALRM, _stop_cell)  # again for every cell: a cell may have replaced it
                _cell_limit["active"] = True
                signal.setitimer(signal.ITIMER_REAL, seconds, 1.0)
            result = shell.run_cell(source, store_history=False)
            _cell_limit["active"] = False
            outcome = (result, None if result.success else (result.error_in_exec or result.error_before_exec))
        except BaseException as raised:  # noqa: BLE001 - IPython reports most errors itself
            _cell_limit["active"] = False
            outcome = (None, raised)
    except CellStopped:  # the limit struck between the cell's end and the line that disarms it
        pass
    finally:
        _cell_limit["active"] = False
        signal.setitimer(signal.ITIMER_REAL, 0)
    return outcome


# ------------------------------------------------------------------ answering the grader
def _requests(channel: Channel):
    """The grader's requests on `channel`, until it closes."""
    while True:
        try:
            yield channel.receive()
        except ChannelClosed:
            return


def serve_tests(channel: Channel, shell, own_uid: bool, folder: str | None, disk_mb: int) -> None:
    """Fork a test process per case (bertcourse/sandboxed/case_isolation.py makes it independent of every
    other case; `folder`: the job's writable space where it gets an overlay of its own) and end it, with
    everything it started, when the grader says so."""
    for request in _requests(channel):
        op = request.get("op")
        if op == "test":
            mine, theirs = socket.socketpair()
            try:
                pid = os.fork()
            except OSError as error:
                mine.close()
                theirs.close()
                channel.send({"ok": False, "error": f"no test process could be started ({error.strerror}: the "
                                                    "notebook left too many processes running?)"})
                continue
            if pid == 0:
                channel.sock.close()
                theirs.close()
                code = 0
                try:
                    try:
                        case_isolation.enter({mine.fileno()}, folder, disk_mb)
                        refused = None
                    except OSError as error:
                        refused = f"the test case could not be given a view of its own ({error})"
                    serve_one_test(Channel(mine), shell.user_ns, refused)
                except BaseException:  # noqa: BLE001
                    code = 1
                os._exit(code)
            mine.close()
            channel.send({"ok": True, "pid": pid}, fds=[theirs.fileno()])
            theirs.close()
        elif op == "kill":
            _kill_test(int(request.get("pid", 0)), own_uid)
            channel.send({"ok": True})
        elif op == "done":
            _kill_test(int(request.get("pid", 0)), own_uid)
        elif op == "bye":
            return


def _kill_test(pid: int, own_uid: bool) -> None:
    """End a case: its process, and every process it started (the template is all that is left of the job)."""
    if pid > 0:
        try:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        except OSError:
            pass
    processes.kill_the_rest_of_my_job(own_uid)


class _Deadline(BaseException):
    """Raised in a student's function when its time is up (BaseException: a bare `except Exception` in the
    student's code does not swallow it)."""


def _alarm(signum, frame):
    raise _Deadline()


def serve_one_test(channel: Channel, namespace: dict, refused: str | None = None) -> None:
    """Answer one case's requests; `refused`: why this case cannot run (every request is answered with it)."""
    signal.signal(signal.SIGALRM, _alarm)
    for request in _requests(channel):
        op = request.get("op")
        if refused and op in ("lookup", "call"):
            error = {"type": "RuntimeError", "message": refused}
            channel.send({"kind": "error", "error": error} if op == "lookup" else {"ok": False, "error": error})
        elif op == "lookup":
            channel.send(_lookup(namespace, str(request.get("name"))))
        elif op == "call":
            channel.send(_call(namespace, request))
        else:
            return


def _is_object_sent_as_data(value) -> bool:
    """Models, tokenizers and pipelines are callable, but a test inspects them: they go as data."""
    transformers = sys.modules.get("transformers")
    torch = sys.modules.get("torch")
    if transformers is not None and isinstance(value, (transformers.PreTrainedModel,
                                                       transformers.PreTrainedTokenizerBase, transformers.Pipeline)):
        return True
    return torch is not None and isinstance(value, torch.nn.Module)


def _lookup(namespace: dict, name: str) -> dict:
    value = namespace.get(name, MISSING)
    if value is MISSING:
        return {"kind": "missing"}
    try:
        if callable(value) and not _is_object_sent_as_data(value):
            return {"kind": "function"}
        return {"kind": "value", "value": plain.encode(value)}
    except BaseException as error:  # noqa: BLE001
        return {"kind": "error", "error": _describe(error)}


def _call(namespace: dict, request: dict) -> dict:
    function = namespace.get(str(request.get("name")), MISSING)
    if function is MISSING:
        return {"ok": False, "error": {"type": "NameError", "message": f"name {request.get('name')!r} is not defined"}}
    try:
        args = plain.decode(request.get("args", []), real_objects=True)
        kwargs = plain.decode(request.get("kwargs", {"$": "dict", "v": []}), real_objects=True)
    except plain.NotPlain as error:
        return {"ok": False, "error": _describe(error)}
    timeout = float(request.get("timeout", 30))
    try:
        signal.setitimer(signal.ITIMER_REAL, max(timeout, 0.01))
        try:
            result = function(*args, **kwargs)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
        return {"ok": True, "value": plain.encode(result)}
    except _Deadline:
        return {"ok": False, "error": {"type": "TimeoutError", "message": f"did not return within {timeout:g} s"}}
    except BaseException as error:  # noqa: BLE001 - SystemExit, KeyboardInterrupt included: it is a failure
        return {"ok": False, "error": _describe(error)}


def _describe(error: BaseException) -> dict:
    try:
        message = str(error)
    except BaseException:  # noqa: BLE001
        message = "(the error message could not be shown)"
    return {"type": type(error).__name__[:100], "message": message[:2000]}
