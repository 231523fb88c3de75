"""Where student code runs: a sandbox around the template process (bertcourse/sandboxed/zygote.py), one kind per machine.

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
import signal
import socket
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from . import paths
from .boundary.channel import Channel
from .staging import Staging

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


def _first_to_go_when_memory_runs_out(then=None) -> None:
    """Runs in the sandbox's first process before it starts: the kernel, out of memory, kills student code
    (and its descendants, which inherit this) before the grader that would report it (raising is always
    allowed); then `then`, if any."""
    try:
        Path("/proc/self/oom_score_adj").write_text("1000")
    except OSError:
        pass
    if then is not None:
        then()


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


UID_ACKNOWLEDGE_FLAG = "--i-understand-uid-mode"
UID_ACKNOWLEDGE_ENV = "BERTCOURSE_UID_MODE_ACKNOWLEDGED"  # "1": the same, for scripts (run_autograder)
UID_REFUSAL = (f"--sandbox uid is refused unless acknowledged ({UID_ACKNOWLEDGE_FLAG}, or {UID_ACKNOWLEDGE_ENV}=1): "
               "without namespaces a submission, running as its own uid, can read every world-readable file on "
               "this machine (the repository with its masters and hidden tests must be one of them, so that it can "
               "import the course's code), see every process and its command line, and reach the network. Use it "
               "only where the machine holds nothing else worth hiding, e.g. a container that grades one "
               "submission (Gradescope's run_autograder acknowledges it).")


def uid_mode_acknowledged(flag: bool = False) -> bool:
    return flag or os.environ.get(UID_ACKNOWLEDGE_ENV) == "1"


def choose(requested: str, acknowledged: bool = False) -> str:
    """The sandbox kind to use for `requested` ("auto", "bwrap", "uid", "none"), or SandboxUnavailable.
    `acknowledged`: the caller accepts what --sandbox uid gives up (else it is refused, see UID_REFUSAL)."""
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
            f"  --sandbox uid {UID_ACKNOWLEDGE_FLAG}   (root only) each submission as its own unprivileged user, "
            f"{GIVES_UP['uid']}\n"
            f"  --no-sandbox    {GIVES_UP['none']}")
    if requested == "uid":
        if not root:
            raise SandboxUnavailable("--sandbox uid needs root (to switch each submission to its own user id)")
        if not uid_mode_acknowledged(acknowledged):
            raise SandboxUnavailable(UID_REFUSAL)
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
    generation: int = 0  # the zygote it ran in (Sandbox.generation when it started)


class JobUids:
    """Hands out job uids that no other live job on this machine holds, by a lock file per uid. A lock file
    exists only while its uid is held: the holder removes it (still holding the lock) when its job ends, and
    files left by graders that died are removed the same way; a claim that finds its file replaced after
    locking it (removed by another grader meanwhile) tries again, so no two live jobs ever share a uid."""

    def __init__(self, folder: Path = UID_LOCKS):
        self.folder = folder
        self._next = itertools.count(secrets.randbelow(UID_SPAN))
        self._held: dict[int, Path] = {}  # lock fd -> its file
        self._cleaned = False

    def _locked(self, path: Path, create: bool) -> int | None:
        """An fd holding the lock of `path`, the file still at that path; None if another process holds it."""
        while True:
            try:
                fd = os.open(path, (os.O_CREAT if create else 0) | os.O_RDWR | os.O_NOFOLLOW, 0o600)
            except FileNotFoundError:
                return None
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                return None
            try:
                if os.stat(path, follow_symlinks=False).st_ino == os.fstat(fd).st_ino:
                    return fd
            except FileNotFoundError:
                pass
            os.close(fd)  # removed (or replaced) by its last holder after we opened it: open it again
            if not create:
                return None

    def remove_stale(self) -> int:
        """Remove the lock files of uids no live job holds (their graders ended without removing them)."""
        removed = 0
        for path in sorted(self.folder.iterdir()):
            fd = self._locked(path, create=False) if path.name.isdigit() else None
            if fd is not None:
                path.unlink()  # while holding its lock: a claim that opened it meanwhile sees it replaced
                os.close(fd)
                removed += 1
        return removed

    def claim(self) -> tuple[int, int]:
        """(uid, lock fd); the uid stays this caller's until `release(fd)` (or the process ends)."""
        self.folder.mkdir(mode=0o700, exist_ok=True)
        if self.folder.stat().st_uid != os.geteuid() or self.folder.stat().st_mode & 0o077:
            raise SandboxUnavailable(f"{self.folder} must be a folder only this user can open (remove it)")
        if not self._cleaned:
            self._cleaned = True
            self.remove_stale()
        for _ in range(UID_SPAN):
            uid = UID_BASE + next(self._next) % UID_SPAN
            fd = self._locked(self.folder / str(uid), create=True)
            if fd is not None:
                self._held[fd] = self.folder / str(uid)
                return uid, fd
        raise SandboxUnavailable(f"all {UID_SPAN} job uids are in use on this machine")

    def release(self, fd: int) -> None:
        """The uid is free again: its file removed while still locked, then the lock let go."""
        path = self._held.pop(fd, None)
        if path is not None:
            try:
                path.unlink()
            except FileNotFoundError:
                pass
        os.close(fd)


def _kill_uid(uid: int) -> None:
    """Kill every process of `uid` from a child that takes that uid (kill(-1) then reaches exactly those)."""
    pid = os.fork()
    if pid == 0:
        try:
            os.setgroups([])
            os.setgid(uid)
            os.setuid(uid)
            for _ in range(100):
                try:
                    os.kill(-1, signal.SIGKILL)
                except ProcessLookupError:
                    break
        finally:
            os._exit(0)
    os.waitpid(pid, 0)


CGROUP_FS = Path("/sys/fs/cgroup")
V1_CONTROLLERS = ("memory", "pids", "cpu")


class BatchCgroups:
    """The batch's cgroup folders, one per controller: cgroup v1's memory, pids and cpu hierarchies where they
    are mounted read-write, else cgroup v2 where it delegates those controllers; none elsewhere (then memory
    is limited per process only, see bertcourse/sandboxed/student_side.py). The zygote makes one child per job in
    them (bertcourse/sandboxed/job_isolation.py); `remove` deletes what is left."""

    def __init__(self):
        self.folders: dict[str, Path] = {}  # controller ("memory", "pids", "cpu" or "unified") -> folder
        name = f"bertcourse-{os.getpid()}-{secrets.token_hex(4)}"
        try:
            self._make(name)
        except OSError:
            self.remove()
            self.folders = {}

    def _make(self, name: str) -> None:
        v1 = {c: CGROUP_FS / c for c in V1_CONTROLLERS if (CGROUP_FS / c / "cgroup.procs").is_file()}
        if "memory" in v1:
            for controller, root in v1.items():
                _remove_stale(root)
                (root / name).mkdir()
                self.folders[controller] = root / name
            if "cpu" in self.folders:  # a job's quota needs room in the batch's: leave the batch unlimited
                (self.folders["cpu"] / "cpu.cfs_quota_us").write_text("-1")
            return
        unified = CGROUP_FS if (CGROUP_FS / "cgroup.subtree_control").is_file() else CGROUP_FS / "unified"
        if {"memory", "pids"} <= set((unified / "cgroup.controllers").read_text().split()):
            _remove_stale(unified)
            folder = unified / name
            folder.mkdir()
            self.folders["unified"] = folder
            wanted = {"memory", "pids", "cpu"} & set((folder / "cgroup.controllers").read_text().split())
            (folder / "cgroup.subtree_control").write_text(" ".join(f"+{c}" for c in sorted(wanted)))

    def binds(self) -> list[tuple[str, str]]:
        """(host folder, folder inside the sandbox) for each controller."""
        from .sandboxed.job_isolation import CGROUP_ROOT

        return [(str(folder), str(CGROUP_ROOT / controller)) for controller, folder in self.folders.items()]

    def remove(self) -> None:
        for folder in self.folders.values():
            _remove_tree(folder)


def _remove_tree(folder: Path) -> None:
    """rmdir a cgroup and its children, killing what is left in them (the sandbox is gone by then)."""
    if not folder.is_dir():
        return
    for child in [p for p in folder.iterdir() if p.is_dir()]:
        _remove_tree(child)
    for _ in range(100):
        try:
            for pid in (folder / "cgroup.procs").read_text().split():
                try:
                    os.kill(int(pid), signal.SIGKILL)
                except OSError:
                    pass
            folder.rmdir()
            return
        except FileNotFoundError:
            return
        except OSError:
            import time

            time.sleep(0.02)


def _remove_stale(root: Path) -> None:
    """Batch cgroups of graders that died without removing theirs (`bertcourse-<pid>-...`, pid gone)."""
    for folder in root.glob("bertcourse-*-*"):
        pid = folder.name.split("-")[1]
        if pid.isdigit() and not Path(f"/proc/{pid}").exists():
            _remove_tree(folder)


class SandboxLost(RuntimeError):
    """The template stopped answering or got out of step: the grader's failure, never a submission's. The
    sandbox is restarted for the next job; every job running in the lost one is graded again."""


class Sandbox:
    """One zygote for a whole batch; `start_job` / `end_job` for each submission. A zygote that stops answering
    is killed with everything in it and a fresh one started for the next job (`generation` counts them)."""

    def __init__(self, kind: str, course_files: dict[str, Path]):
        self.kind = kind
        self.course_files = course_files  # assignment name -> folder of its fixtures (offline/, metrics/)
        self._uids = JobUids()
        self._scratch = Path(tempfile.mkdtemp(prefix="bertcourse-sandbox-"))
        os.chmod(self._scratch, 0o711)
        self.generation = 0
        self.process = None
        self.cgroups = BatchCgroups() if kind == "bwrap" else None
        self.staging = Staging(paths.REPO / "bertcourse", course_files) if kind == "bwrap" else None
        self._live: dict[str, int] = {}  # job id -> uid, of the jobs started and not ended
        self._launch()

    def _launch(self) -> None:
        control, theirs = socket.socketpair()
        prepare = None
        if self.kind == "bwrap":
            self.jobs_root = Path("/jobs")
            command = self._bwrap_command(theirs.fileno())
            env = self.child_env()
            prepare = self.staging.enter_mounts
        else:
            self.jobs_root = self._scratch / f"jobs-{self.generation}"
            self.jobs_root.mkdir(mode=0o1733)
            os.chmod(self.jobs_root, 0o1733)
            command = [sys.executable, "-m", "bertcourse.sandboxed.zygote", str(theirs.fileno())]
            env = {**self.child_env(), "BERTCOURSE_JOBS_ROOT": str(self.jobs_root), "PYTHONPATH": str(paths.REPO)}
        with open(self._scratch / "zygote.log", "wb") as log:
            self.process = subprocess.Popen(command, pass_fds=[theirs.fileno()], env=env, cwd="/",
                                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=log,
                                            start_new_session=True,
                                            preexec_fn=lambda: _first_to_go_when_memory_runs_out(prepare))
        theirs.close()
        self.control = Channel(control)
        self._ready = False
        self.broken = False

    def _lose(self) -> None:
        """Kill the zygote and everything in it (its process group; bubblewrap's PID namespace goes with it)."""
        self.broken = True
        self.generation += 1
        try:
            self.control.close()
        except OSError:
            pass
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except OSError:
            pass
        self.process.wait()
        if self.kind == "uid":  # no PID namespace took the jobs with it: end each live job's uid here
            for uid in self._live.values():
                _kill_uid(uid)
        self._live.clear()

    def _ask(self, message: dict, timeout: float, fds: list[int] | None = None) -> dict:
        """One request to the zygote and its answer; any failure of the exchange loses the zygote."""
        try:
            self.control.send(message, fds=fds)
            return self.control.receive(timeout=timeout)
        except Exception as error:  # noqa: BLE001 - closed, out of time, garbled: all the template's loss
            self._lose()
            raise SandboxLost(f"the sandbox's template stopped answering ({type(error).__name__}: "
                              f"{str(error)[:200]})") from None

    def wait_ready(self) -> None:
        """Wait for the zygote's imports (start the Sandbox early: they overlap with the grader's own)."""
        if self.broken:
            self._launch()
        if self._ready:
            return
        kind = self.kind
        try:
            hello = self.control.receive(timeout=300)
        except Exception as error:  # noqa: BLE001
            self._lose()
            raise SandboxUnavailable(f"the {kind} sandbox did not start ({type(error).__name__}): "
                                     + (self._scratch / "zygote.log").read_text(errors="replace")[-2000:]) from None
        if not hello.get("ready"):
            self._lose()
            raise SandboxUnavailable(f"the {kind} sandbox did not start: {str(hello)[:500]}")
        self._ready = True
        if kind == "bwrap" and not hello.get("case_namespaces"):  # said once per sandbox, on the grader's stderr
            print("warning: test cases cannot have namespaces of their own here (unprivileged user namespaces "
                  "are disabled or restricted): the cases of one submission share its files", file=sys.stderr)

    def child_env(self) -> dict[str, str]:
        """The environment of the zygote and so of student code: offline, deterministic, nothing inherited."""
        from . import OFFLINE_ENV

        found = self.staging.library_path() if getattr(self, "staging", None) else None
        return ({"LD_LIBRARY_PATH": found} if found else {}) | {"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8", OFFLINE_ENV: "1", "HF_HUB_OFFLINE": "1",
                "HF_DATASETS_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false",
                "PYTHONHASHSEED": "0", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
                "PYTHONDONTWRITEBYTECODE": "1", "MPLBACKEND": "Agg", "WANDB_MODE": "disabled",
                "IPYTHONDIR": "/tmp/ipython", "PYDEVD_DISABLE_FILE_VALIDATION": "1"}

    def course_path(self, name: str) -> str:
        """Where assignment `name`'s fixtures appear inside the sandbox."""
        return f"/course/{name}" if self.kind == "bwrap" else str(self.course_files[name])

    def _bwrap_command(self, fd: int) -> list[str]:
        # every source a neutral path of the staging folder (bertcourse/staging.py): the mount table and
        # bubblewrap's command line (readable inside as /proc/1/cmdline) name no host path
        binds = [("/usr", "/usr"), ("/etc", "/etc"), *self.staging.binds()]
        writable = self.cgroups.binds() if self.cgroups else []  # the zygote makes a cgroup per job in them
        command = ["bwrap", "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts",
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
        for source, target in writable:
            command += ["--dir", target, "--bind", source, target]
        # /jobs: where each job mounts its own tmpfs, in its own mount namespace (bertcourse/sandboxed/job_isolation.py);
        # CAP_SYS_ADMIN for those mounts and namespaces: the zygote's alone, a job drops it with its uid
        command += ["--dir", "/jobs", "--setenv", "PYTHONPATH", "/course/code", "--setenv", "BERTCOURSE_ISOLATE", "1",
                    "--chdir", "/", "--cap-drop", "ALL", "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID",
                    "--cap-add", "CAP_SYS_ADMIN", self.staging.python(), "-m", "bertcourse.sandboxed.zygote", str(fd)]
        return command

    # -------------------------------------------------------------- jobs
    def start_job(self, spec: dict, sock: socket.socket) -> Job:
        """Fork a job process for one submission, talking to the grader on `sock` (its end is handed over).
        SandboxLost / SandboxUnavailable: the grader's failure (the job did not start)."""
        self.wait_ready()
        job_id = secrets.token_hex(8)
        uid, lock = self._uids.claim() if self.kind in ("bwrap", "uid") else (None, None)
        try:
            answer = self._ask({"op": "start", "job": job_id, "uid": uid, "spec": spec}, 60, fds=[sock.fileno()])
            if not answer.get("ok"):
                raise SandboxLost(f"the sandbox refused a job: {str(answer.get('error'))[:300]}")
        except BaseException:
            if lock is not None:
                self._uids.release(lock)
            raise
        if uid is not None:
            self._live[job_id] = uid
        return Job(job_id, uid, int(answer["pid"]), lock, self.generation)

    def end_job(self, job: Job) -> str:
        """Kill everything the job started and delete its folder; returns the tail of its output. A job of a
        lost zygote is already gone (its PID namespace with it): nothing to do."""
        try:
            if job.generation != self.generation:
                return ""
            self._live.pop(job.id, None)
            answer = self._ask({"op": "end", "job": job.id, "uid": job.uid, "pid": job.pid}, 60)
            if not answer.get("ok"):
                self._lose()
                raise SandboxLost(f"the sandbox could not end a job: {str(answer.get('error'))[:300]}")
            return str(answer.get("log_tail", ""))
        finally:
            if job.uid_lock is not None:  # every process of the uid is gone now (else kept till we exit)
                self._uids.release(job.uid_lock)
                job.uid_lock = None

    def lost_since(self, job: Job) -> bool:
        """Whether the zygote that ran `job` was lost (then its result says nothing about the submission)."""
        return job.generation != self.generation

    def close(self) -> None:
        try:
            self.control.close()
        finally:
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            if self.cgroups:
                self.cgroups.remove()
            if self.staging:
                self.staging.remove()
            shutil.rmtree(self._scratch, ignore_errors=True)
