"""The sandbox's template process: imports the notebooks' libraries once, then forks one process per submission.

Runs inside the sandbox (bertcourse/sandbox.py starts it: inside bubblewrap, or directly in a container), as
`python -m bertcourse.zygote CONTROL_FD`. Student code never runs here: only in the forked job processes
(bertcourse/student_side.py), each under a user id of its own where the sandbox allows it. The grader sends
requests on the control socket, one at a time:

  {"op": "start", "job": ID, "uid": N|null, "spec": {...}}  + one socket fd  ->  {"ok": true, "pid": PID}
  {"op": "end", "job": ID, "uid": N|null, "pid": PID}  ->  {"ok": true, "log_tail": "..."}
      kills every process of the job (all processes of its uid, or its session), reads the end of its
      output log and deletes its folder.

When the control socket closes the zygote exits; bubblewrap (--die-with-parent, own PID namespace) then
takes every remaining process with it.
"""

from __future__ import annotations

import os
import signal
import socket
import sys
import time
from pathlib import Path

from .channel import Channel, ChannelClosed

JOBS_ROOT = Path(os.environ.get("BERTCOURSE_JOBS_ROOT", "/jobs"))
PRELOAD = ["numpy", "pandas", "torch", "transformers", "transformers.pipelines", "datasets", "evaluate",
           "sklearn.metrics", "seqeval.metrics", "matplotlib.pyplot", "IPython", "otter", "otter.check.notebook",
           "otter.test_files", "tqdm.auto"]


def preload() -> None:
    import importlib

    for name in PRELOAD:
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001 - a missing optional library is the student's ImportError later
            pass
    try:  # resolve transformers' lazy attributes now, not once per submission
        from transformers import (AutoModelForSequenceClassification, AutoModelForTokenClassification,  # noqa: F401
                                  AutoTokenizer, DataCollatorWithPadding, Trainer, TrainingArguments, pipeline)
    except Exception:  # noqa: BLE001
        pass


def job_dir(job: str) -> Path:
    if not job.isalnum():
        raise ValueError("bad job id")
    return JOBS_ROOT / job


def end_job(job: str, uid: int | None, pid: int) -> str:
    """Kill everything the job started, return the tail of its output log, delete its folder."""
    read_fd, write_fd = os.pipe()
    reaper = os.fork()
    if reaper == 0:
        code = 0
        try:
            os.close(read_fd)
            if uid is not None:
                os.setgroups([])
                os.setgid(uid)
                os.setuid(uid)  # from here on this process can signal exactly the job's processes
                _kill_all_of_my_uid()
            else:
                _kill_session(pid)
            folder = job_dir(job)
            try:
                with open(folder / "output.log", "rb") as log:
                    log.seek(0, os.SEEK_END)
                    log.seek(max(0, log.tell() - 3000))
                    os.write(write_fd, log.read())
            except OSError:
                pass
            import shutil

            shutil.rmtree(folder, ignore_errors=True)
        except BaseException:  # noqa: BLE001
            code = 1
        os._exit(code)
    os.close(write_fd)
    chunks = []
    while chunk := os.read(read_fd, 65536):
        chunks.append(chunk)
    os.close(read_fd)
    os.waitpid(reaper, 0)
    try:
        os.waitpid(pid, 0)
    except ChildProcessError:
        pass
    return b"".join(chunks).decode("utf-8", "replace")


def _kill_all_of_my_uid() -> None:
    """kill(-1) from the job's uid reaches every process of that uid (and nothing else); repeat until none is
    left, so a process forked during the first sweep goes too."""
    me = os.getpid()
    for _ in range(100):
        try:
            os.kill(-1, signal.SIGKILL)
        except ProcessLookupError:
            pass
        if not _pids(lambda status: _field(status, "Uid") == str(os.getuid()), skip=me):
            return
        time.sleep(0.01)


def _kill_session(sid: int) -> None:
    for _ in range(100):
        members = _pids(lambda status: True, session=sid)
        if not members:
            return
        for pid in members:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        time.sleep(0.01)


def _field(status: str, name: str) -> str:
    for line in status.splitlines():
        if line.startswith(name + ":"):
            return line.split()[1]
    return ""


def _pids(match, skip: int = -1, session: int | None = None) -> list[int]:
    out = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == skip:
            continue
        try:
            if session is not None:
                fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
                if int(fields[3]) != session or fields[0] == "Z":
                    continue
            status = Path(f"/proc/{entry}/status").read_text()
        except OSError:
            continue
        if _field(status, "State") != "Z" and match(status):
            out.append(int(entry))
    return out


def serve(control: Channel) -> None:
    from . import student_side

    shell = student_side.make_shell()  # built once, inherited by every job
    student_side.offline_metrics()
    while True:
        try:
            request = control.receive()
        except ChannelClosed:
            return
        if request.get("op") == "start":
            fds = control.take_fds()
            if len(fds) != 1:
                control.send({"ok": False, "error": "a job needs exactly one socket"})
                continue
            pid = os.fork()
            if pid == 0:
                control.sock.close()
                student_side.job_main(socket.socket(fileno=fds[0]), request["job"], request.get("uid"),
                                      request["spec"], shell)  # never returns
            os.close(fds[0])
            control.send({"ok": True, "pid": pid})
        elif request.get("op") == "end":
            tail = end_job(request["job"], request.get("uid"), int(request["pid"]))
            control.send({"ok": True, "log_tail": tail})
        else:
            control.send({"ok": False, "error": "unknown request"})


def main() -> int:
    control = Channel(socket.socket(fileno=int(sys.argv[1])))
    preload()
    control.send({"ok": True, "ready": True, "pid": os.getpid()})
    serve(control)
    return 0


if __name__ == "__main__":
    sys.exit(main())
