"""Where student code runs: a sandbox around the template process (bertcourse/zygote.py), one kind per machine.

  bwrap  Linux with bubblewrap, grader running as root (`make grade`). The zygote runs inside bubblewrap:
         its own PID, network, IPC, UTS and mount namespaces (no network at all), a read-only view of the
         system libraries, the Python installation and the course's fixtures, nothing of the repository
         (no masters, no autograder tests), of the grades, the results cache or the grader's files; jobs live
         on a size-capped tmpfs. Every submission runs as a user id of its own, held by no other live job
         on the machine (folder mode 0700, so jobs cannot see each other), with limits on memory, processes,
         file size, open files and CPU time; when it ends, every process of that uid is killed.
         `--die-with-parent` ends the whole sandbox with the grader.
  uid    Root, but no usable bubblewrap (a Gradescope container): the same per-submission uid and limits,
         without namespaces. The container is the outer wall; run_autograder makes the hidden tests and
         results readable by root only.
  none   `--no-sandbox`: student code runs as the grader's own user, in its own session, with the limits.
         It can read anything that user can (including the hidden tests) and reach the network. The verdicts
         are still computed outside the student's process, but nothing stops a submission from touching the
         grader's files. Only for trusted submissions (your own tests).

Verdicts never depend on the sandbox: the tests run in the grader (bertcourse/verdict.py) and only plain
data comes out of the sandbox. The sandbox is what keeps one submission away from the grader's files and
from the other submissions.
"""

from __future__ import annotations

import fcntl
import itertools
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from . import paths
from .channel import Channel

KINDS = ("bwrap", "uid", "none")
UID_BASE = 160000  # job uids: UID_BASE + n, unused by the system
UID_SPAN = 20000
# Root-only folder of one lock per job uid in use on this machine: two batches at once (or the test suite's two
# workers) never hand the same uid to two live jobs, which would share a process limit and, in uid mode, signals.
UID_LOCKS = (Path("/run") if Path("/run").is_dir() else Path(tempfile.gettempdir())) / "bertcourse-job-uids"
GIVES_UP = {
    "uid": "no namespaces: a submission can see the machine's processes and network, and read every "
           "world-readable file",
    "none": "no isolation: submissions run as you, can read the hidden tests and your files, and reach the network",
}


def _linked_libpython() -> list[str]:
    """The libpython this interpreter loaded, when it lies outside the folders bound anyway: a copied
    installation's executable still finds its libpython at the path it was built for (its RUNPATH)."""
    maps = Path("/proc/self/maps").read_text() if Path("/proc/self/maps").exists() else ""
    found = {line.split()[-1] for line in maps.splitlines() if "/libpython" in line}
    bound = ("/usr/", "/lib/", "/lib64/", sys.base_prefix + "/", sys.prefix + "/")
    return sorted(lib for lib in found if lib.startswith("/") and not lib.startswith(bound))


def _first_to_go_when_memory_runs_out() -> None:
    """Runs in the sandbox's first process before it starts: the kernel, out of memory, kills student code
    (and its descendants, which inherit this) before the grader that would report it (raising is always allowed)."""
    try:
        Path("/proc/self/oom_score_adj").write_text("1000")
    except OSError:
        pass


class SandboxUnavailable(RuntimeError):
    """No sandbox of the requested kind can be made here; the message says what to do."""


def bwrap_usable() -> str | None:
    """None if bubblewrap can make a sandbox here, else why not."""
    if not sys.platform.startswith("linux"):
        return "not Linux"
    exe = shutil.which("bwrap")
    if exe is None:
        return "bubblewrap is not installed (Debian/Ubuntu: apt-get install -y bubblewrap)"
    done = subprocess.run([exe, "--ro-bind", "/", "/", "--unshare-pid", "--unshare-net", "--unshare-ipc",
                           "--die-with-parent", "true"], capture_output=True, text=True)
    if done.returncode != 0:
        return f"bubblewrap cannot create namespaces here ({done.stderr.strip()[:200]})"
    return None


def choose(requested: str) -> str:
    """The sandbox kind to use for `requested` ("auto", "bwrap", "uid", "none"), or SandboxUnavailable."""
    root = hasattr(os, "geteuid") and os.geteuid() == 0
    if requested == "none":
        return "none"
    if requested in ("auto", "bwrap"):
        why = bwrap_usable()
        if why is None and root:
            return "bwrap"
        if why is None:
            why = "the grader is not root, so it cannot give each submission a user id of its own (run it with sudo)"
        if requested == "bwrap":
            raise SandboxUnavailable(f"no bubblewrap sandbox: {why}")
        raise SandboxUnavailable(
            f"cannot sandbox student code: {why}.\n"
            "Grading runs each student's code in a sandbox. Fix the above, or choose what to give up:\n"
            f"  --sandbox uid   (root only) each submission as its own unprivileged user, {GIVES_UP['uid']}\n"
            f"  --no-sandbox    {GIVES_UP['none']}")
    if requested == "uid":
        if not root:
            raise SandboxUnavailable("--sandbox uid needs root (to switch each submission to its own user id)")
        for folder in {Path(sys.base_prefix), Path(sys.prefix), paths.REPO / "bertcourse"}:
            if not _world_readable(folder):
                raise SandboxUnavailable(f"--sandbox uid: {folder} is not readable by other users, so a submission "
                                         "running as its own user cannot import anything from it (install Python "
                                         "and the venv under a world-readable folder such as /opt, as the "
                                         "Gradescope setup.sh does)")
        return "uid"
    raise ValueError(f"unknown sandbox kind {requested!r}")


def _world_readable(folder: Path) -> bool:
    """Every folder from / down to `folder` can be entered by others, and `folder` can be listed."""
    chain = [folder, *folder.parents]
    return all(p.stat().st_mode & 0o001 for p in chain) and bool(folder.stat().st_mode & 0o004)


@dataclass
class Job:
    id: str
    uid: int | None
    pid: int
    uid_lock: int | None = None  # the fd whose lock keeps `uid` this job's alone


class JobUids:
    """Hands out job uids that no other live job on this machine holds, by a lock file per uid."""

    def __init__(self, folder: Path = UID_LOCKS):
        self.folder = folder
        self._next = itertools.count(secrets.randbelow(UID_SPAN))

    def claim(self) -> tuple[int, int]:
        """(uid, lock fd); the uid stays this caller's until `release(fd)` (or the process ends)."""
        self.folder.mkdir(mode=0o700, exist_ok=True)
        if self.folder.stat().st_uid != os.geteuid() or self.folder.stat().st_mode & 0o077:
            raise SandboxUnavailable(f"{self.folder} must be a folder only this user can open (remove it)")
        for _ in range(UID_SPAN):
            uid = UID_BASE + next(self._next) % UID_SPAN
            fd = os.open(self.folder / str(uid), os.O_CREAT | os.O_RDWR, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return uid, fd
            except BlockingIOError:
                os.close(fd)
        raise SandboxUnavailable(f"all {UID_SPAN} job uids are in use on this machine")

    @staticmethod
    def release(fd: int) -> None:
        os.close(fd)


class Sandbox:
    """One zygote for a whole batch; `start_job` / `end_job` for each submission."""

    def __init__(self, kind: str, course_files: dict[str, Path], jobs_mb: int = 4096):
        self.kind = kind
        self.course_files = course_files  # assignment name -> folder of its fixtures (offline/, metrics/)
        self._uids = JobUids()
        self._scratch = Path(tempfile.mkdtemp(prefix="bertcourse-sandbox-"))
        control, theirs = socket.socketpair()
        if kind == "bwrap":
            self.jobs_root = Path("/jobs")
            command = self._bwrap_command(theirs.fileno(), jobs_mb)
            env = self.child_env()
        else:
            self.jobs_root = self._scratch / "jobs"
            self.jobs_root.mkdir(mode=0o1733)
            os.chmod(self.jobs_root, 0o1733)
            os.chmod(self._scratch, 0o711)
            command = [sys.executable, "-m", "bertcourse.zygote", str(theirs.fileno())]
            env = {**self.child_env(), "BERTCOURSE_JOBS_ROOT": str(self.jobs_root), "PYTHONPATH": str(paths.REPO)}
        self.process = subprocess.Popen(command, pass_fds=[theirs.fileno()], env=env, cwd="/",
                                        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                        stderr=open(self._scratch / "zygote.log", "wb"), start_new_session=True,
                                        preexec_fn=_first_to_go_when_memory_runs_out)
        theirs.close()
        self.control = Channel(control)
        self._ready = False

    def wait_ready(self) -> None:
        """Wait for the zygote's imports (start the Sandbox early: they overlap with the grader's own)."""
        if self._ready:
            return
        kind = self.kind
        try:
            hello = self.control.receive(timeout=300)
        except Exception as error:  # noqa: BLE001
            raise SandboxUnavailable(f"the {kind} sandbox did not start ({type(error).__name__}): "
                                     + (self._scratch / "zygote.log").read_text(errors="replace")[-2000:]) from None
        if not hello.get("ready"):
            raise SandboxUnavailable(f"the {kind} sandbox did not start: {hello}")
        self._ready = True

    @staticmethod
    def child_env() -> dict[str, str]:
        """The environment of the zygote and so of student code: offline, deterministic, nothing inherited."""
        from . import OFFLINE_ENV

        return {"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8", OFFLINE_ENV: "1", "HF_HUB_OFFLINE": "1",
                "HF_DATASETS_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false",
                "PYTHONHASHSEED": "0", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
                "PYTHONDONTWRITEBYTECODE": "1", "MPLBACKEND": "Agg", "WANDB_MODE": "disabled",
                "IPYTHONDIR": "/tmp/ipython", "PYDEVD_DISABLE_FILE_VALIDATION": "1"}

    def course_path(self, name: str) -> str:
        """Where assignment `name`'s fixtures appear inside the sandbox."""
        return f"/course/{name}" if self.kind == "bwrap" else str(self.course_files[name])

    def _bwrap_command(self, fd: int, jobs_mb: int) -> list[str]:
        prefix, base = Path(sys.prefix), Path(sys.base_prefix)
        binds = [("/usr", "/usr"), ("/etc", "/etc"), (str(base), str(base)), (str(prefix), str(prefix)),
                 (str(paths.REPO / "bertcourse"), "/course/code/bertcourse")]
        binds += [(lib, lib) for lib in _linked_libpython()]
        binds += [(str(folder), f"/course/{name}") for name, folder in self.course_files.items()]
        command = ["bwrap", "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try",
                   "--die-with-parent", "--new-session", "--hostname", "sandbox",
                   # mounted first, so that binds below them (a checkout or venv under /tmp) land on top
                   "--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp"]
        for top in ("bin", "lib", "lib64", "sbin"):
            target = Path("/" + top)
            if target.is_symlink():
                command += ["--symlink", os.readlink(target), str(target)]
            elif target.is_dir():
                binds.append((str(target), str(target)))
        made = {"/", "/proc", "/dev", "/tmp"}
        for source, target in binds:
            for parent in reversed(Path(target).parents):  # traversable by the job uids (bwrap copies modes)
                if str(parent) not in made:
                    made.add(str(parent))
                    command += ["--perms", "0755", "--dir", str(parent)]
            command += ["--ro-bind", source, target]
            made.add(target)
        command += ["--perms", "1733", "--size", str(jobs_mb * 1024 * 1024), "--tmpfs", "/jobs",
                    "--setenv", "PYTHONPATH", "/course/code", "--chdir", "/",
                    "--cap-drop", "ALL", "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID",
                    str(prefix / "bin" / "python"), "-m", "bertcourse.zygote", str(fd)]
        return command

    # -------------------------------------------------------------- jobs
    def start_job(self, spec: dict, sock: socket.socket) -> Job:
        """Fork a job process for one submission, talking to the grader on `sock` (its end is handed over)."""
        self.wait_ready()
        job_id = secrets.token_hex(8)
        uid, lock = self._uids.claim() if self.kind in ("bwrap", "uid") else (None, None)
        try:
            self.control.send({"op": "start", "job": job_id, "uid": uid, "spec": spec}, fds=[sock.fileno()])
            answer = self.control.receive(timeout=60)
            if not answer.get("ok"):
                raise RuntimeError(f"the sandbox refused a job: {answer.get('error')}")
        except BaseException:
            if lock is not None:
                JobUids.release(lock)
            raise
        return Job(job_id, uid, int(answer["pid"]), lock)

    def end_job(self, job: Job) -> str:
        """Kill everything the job started and delete its folder; returns the tail of its output."""
        self.control.send({"op": "end", "job": job.id, "uid": job.uid, "pid": job.pid})
        tail = str(self.control.receive(timeout=60).get("log_tail", ""))
        if job.uid_lock is not None:  # only now that every process of the uid is gone (else kept till we exit)
            JobUids.release(job.uid_lock)
        return tail

    def close(self) -> None:
        try:
            self.control.close()
        finally:
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            shutil.rmtree(self._scratch, ignore_errors=True)
