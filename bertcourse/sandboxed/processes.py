"""Inside the sandbox: finding and ending the processes of one job, by its uid (bubblewrap, uid modes) or its
session (--no-sandbox). Used by the zygote when a job ends and by the job's template between test cases.

Trusts the kernel's /proc only; reads no file a student made.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path


def _field(status: str, name: str) -> str:
    for line in status.splitlines():
        if line.startswith(name + ":"):
            return line.split()[1]
    return ""


def pids(match, skip: int = -1, session: int | None = None) -> list[int]:
    """Live (not zombie) processes whose /proc status satisfies `match` (and in `session`, if given)."""
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


def kill_all_of_my_uid() -> None:
    """From a process running as the job's uid: kill(-1) reaches every other process of that uid (and nothing
    else; never the caller); repeat until none is left, so a process forked during a sweep goes too."""
    me, uid = os.getpid(), str(os.getuid())
    for _ in range(100):
        try:
            os.kill(-1, signal.SIGKILL)
        except ProcessLookupError:
            pass
        if not pids(lambda status: _field(status, "Uid") == uid, skip=me):
            return
        time.sleep(0.01)


def kill_session(sid: int, skip: int = -1) -> None:
    """Kill every process of session `sid` but `skip` (--no-sandbox: the job's processes share its uid with
    the grader, so a session is all that tells them apart)."""
    for _ in range(100):
        members = pids(lambda status: True, skip=skip, session=sid)
        if not members:
            return
        for pid in members:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        time.sleep(0.01)


def kill_the_rest_of_my_job(own_uid: bool) -> None:
    """Every process of this job but the caller: by uid where the job has one of its own, else by session."""
    if own_uid:
        kill_all_of_my_uid()
    else:
        kill_session(os.getsid(0), skip=os.getpid())
    while True:  # the caller's own children, dead now: reaped, so they no longer count against its limits
        try:
            if os.waitpid(-1, os.WNOHANG)[0] == 0:
                return
        except ChildProcessError:
            return
