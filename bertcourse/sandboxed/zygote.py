"""The sandbox's template process: imports the notebooks' libraries once, then forks one process per submission.

Runs inside the sandbox (bertcourse/sandbox.py starts it: inside bubblewrap, or directly in a container), as
`python -m bertcourse.sandboxed.zygote CONTROL_FD`. Student code never runs here: only in the forked job processes
(bertcourse/sandboxed/student_side.py), each under a user id of its own where the sandbox allows it. The grader sends
requests on the control socket, one at a time:

  {"op": "start", "job": ID, "uid": N|null, "spec": {...}}  + one socket fd  ->  {"ok": true, "pid": PID}
  {"op": "end", "job": ID, "uid": N|null, "pid": PID}  ->  {"ok": true, "log_tail": "..."}
      kills every process of the job (all processes of its uid, or its session), reads the end of its
      output (a memfd held here) and removes its cgroup; its tmpfs and IPC namespace go with its last process.
Any request that fails is answered with {"ok": false, "error": ...} and the next one is served.

When the control socket closes the zygote exits; bubblewrap (--die-with-parent, own PID namespace) then
takes every remaining process with it.
"""

from __future__ import annotations

import os
import socket
import sys

from ..boundary.channel import Channel, ChannelClosed
from . import case_isolation, job_isolation, processes
from .job_isolation import ISOLATED, job_dir

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


LOG_TAIL = 3000
_logs: dict[str, int] = {}  # job id -> the memfd its output goes to (held here: the job cannot swap it)


def end_job(job: str, uid: int | None, pid: int) -> str:
    """Kill everything the job started, return the tail of its output, remove what it leaves (its cgroup;
    outside bubblewrap, its folder). Nothing here opens a path the job could have made: the output is a
    memfd this process created, read with one bounded pread (it never blocks)."""
    reaper = os.fork()
    if reaper == 0:
        code = 0
        try:
            if uid is not None:
                os.setgroups([])
                os.setgid(uid)
                os.setuid(uid)  # from here on this process can signal exactly the job's processes
                processes.kill_all_of_my_uid()
            else:
                processes.kill_session(pid)
            if not ISOLATED:  # no tmpfs of its own: delete the folder (as the job's uid, never following links)
                import shutil

                shutil.rmtree(job_dir(job), ignore_errors=True)
        except BaseException:  # noqa: BLE001
            code = 1
        os._exit(code)
    os.waitpid(reaper, 0)
    try:
        os.waitpid(pid, 0)
    except ChildProcessError:
        pass
    job_isolation.remove_cgroup(job)
    tail = b""
    log = _logs.pop(job, None)
    if log is not None:
        try:
            size = os.fstat(log).st_size
            tail = os.pread(log, LOG_TAIL, max(0, size - LOG_TAIL))
        except OSError:
            pass
        os.close(log)
    return tail.decode("utf-8", "replace")


def serve(control: Channel) -> None:
    """Answer the grader's requests until the control socket closes. A request that fails gets an error
    answer and the next one is served: no job's spec or fate can stop the template. A frame that cannot be
    read leaves the stream out of step: then the template exits and the grader starts a fresh one."""
    from . import student_side

    shell = student_side.make_shell()  # built once, inherited by every job
    student_side.offline_metrics()
    while True:
        try:
            request = control.receive()
        except ChannelClosed:
            return
        fds = control.take_fds()
        try:
            answer = _handle(control, request, fds, shell)
        except Exception as error:  # noqa: BLE001 - a bug or a refused job: say so, keep serving
            for fd in fds:
                try:
                    os.close(fd)
                except OSError:
                    pass
            answer = {"ok": False, "error": f"{type(error).__name__}: {str(error)[:300]}"}
        control.send(answer)


def _handle(control: Channel, request: dict, fds: list[int], shell) -> dict:
    if request.get("op") == "start":
        if len(fds) != 1:
            raise ValueError("a job needs exactly one socket")
        job, uid, spec = str(request.get("job", "")), request.get("uid"), request.get("spec")
        job_dir(job)  # a valid id
        if not isinstance(spec, dict) or not (uid is None or isinstance(uid, int)):
            raise ValueError("malformed job")
        log = os.memfd_create(f"job-{job}-output")
        try:
            pid = os.fork()
        except OSError:
            os.close(log)
            raise
        if pid == 0:
            from . import student_side

            control.sock.close()
            for other in _logs.values():  # other jobs' output is none of this one's business
                os.close(other)
            student_side.job_main(socket.socket(fileno=fds[0]), job, uid, spec, shell, log, ISOLATED)  # never returns
        os.close(fds[0])
        _logs[job] = log
        return {"ok": True, "pid": pid}
    if request.get("op") == "end":
        return {"ok": True, "log_tail": end_job(str(request.get("job", "")), request.get("uid"), int(request["pid"]))}
    raise ValueError("unknown request")


def main() -> int:
    control = Channel(socket.socket(fileno=int(sys.argv[1])))
    preload()
    if ISOLATED:  # else each test case has no namespaces anyway (uid and no-sandbox modes)
        case_isolation.available = case_isolation.probe(str(job_isolation.JOBS_ROOT))
    control.send({"ok": True, "ready": True, "pid": os.getpid(), "case_namespaces": case_isolation.available})
    serve(control)
    return 0


if __name__ == "__main__":
    sys.exit(main())
