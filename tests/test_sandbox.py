"""The sandbox on its own (bertcourse/sandbox.py): what a job can and cannot reach, and that it ends completely.

One bubblewrap sandbox for the module; each test starts jobs in it the way the batch grader does and asks
the job's test process for values through the same channel the tests use.
"""

from __future__ import annotations

import os
import socket
import time
from pathlib import Path

import pytest

from bertcourse import paths
from bertcourse.boundary import plain
from bertcourse.boundary.channel import Channel, ChannelClosed
from bertcourse.sandbox import UID_BASE, JobUids, Sandbox, SandboxUnavailable, bwrap_usable, choose

pytestmark = pytest.mark.skipif(bwrap_usable() is not None or os.geteuid() != 0,
                                reason=f"needs root and bubblewrap ({bwrap_usable()}); `make test` installs it")
LIMITS = {"memory_mb": 2048, "processes": 64, "file_mb": 8, "cpu_seconds": 120, "open_files": 256, "disk_mb": 256}


@pytest.fixture(scope="module")
def sandbox():
    box = Sandbox("bwrap", {"course": paths.SOLUTIONS})
    box.wait_ready()
    yield box
    box.close()


class Job:
    """A job running `cells`; `value(name)` asks a fresh test process of it for a global."""

    def __init__(self, box: Sandbox, cells: list[str]):
        self.box = box
        mine, theirs = socket.socketpair()
        spec = {"cells": cells, "setup": [], "limits": LIMITS, "env": box.child_env(),
                "links": {"offline": box.course_path("course") + "/offline"}}
        self.job = box.start_job(spec, theirs)
        theirs.close()
        self.channel = Channel(mine)
        assert self.channel.receive(timeout=60) == {"event": "isolated"}
        self.ready = self.channel.receive(timeout=60)

    def value(self, name: str):
        self.channel.send({"op": "test"})
        self.channel.receive(timeout=10)
        (fd,) = self.channel.take_fds()
        worker = Channel(socket.socket(fileno=fd))
        worker.send({"op": "lookup", "name": name})
        answer = worker.receive(timeout=30)
        worker.close()
        return plain.decode(answer["value"]) if answer.get("kind") == "value" else answer

    def call(self, name: str, *args):
        """Call the notebook's function `name` in a fresh test process (a test case of its own)."""
        self.channel.send({"op": "test"})
        answer = self.channel.receive(timeout=10)
        (fd,) = self.channel.take_fds()
        worker = Channel(socket.socket(fileno=fd))
        worker.send({"op": "call", "name": name, "args": plain.encode(list(args)), "kwargs": plain.encode({}),
                     "timeout": 30})
        result = worker.receive(timeout=40)
        worker.close()
        self.channel.send({"op": "done", "pid": answer["pid"]})
        return plain.decode(result["value"]) if result.get("ok") else result

    def end(self) -> str:
        try:
            self.channel.send({"op": "bye"})
        except OSError:
            pass
        self.channel.close()
        return self.box.end_job(self.job)


def test_each_job_sees_only_its_own_notebook(sandbox):
    """Two jobs at once: each answers with its own globals, from its own uid and folder (the fault behind the
    old grader's wrong `ok` rows was one grading reaching another submission's notebook)."""
    jobs = [Job(sandbox, [f"import os\nWHO = {i}\nUID = os.getuid()\nHERE = os.getcwd()"]) for i in range(2)]
    try:
        assert [job.value("WHO") for job in jobs] == [0, 1]
        uids, folders = [job.value("UID") for job in jobs], [job.value("HERE") for job in jobs]
        assert len(set(uids)) == 2 and 0 not in uids
        assert len(set(folders)) == 2
        probe = Job(sandbox, [f"import os\ntry:\n    SEEN = os.listdir({folders[0]!r})\nexcept OSError as e:\n"
                              "    SEEN = type(e).__name__\nLISTED = sorted(os.listdir('/jobs'))\nHERE = os.getcwd()"])
        # each job has a writable space of its own (its own tmpfs, in its own mount namespace): another job's
        # folder does not exist there, and /jobs holds only its own
        assert probe.value("SEEN") == "FileNotFoundError"
        assert probe.value("LISTED") == [os.path.basename(probe.value("HERE"))]
        probe.end()
    finally:
        for job in jobs:
            job.end()


def test_a_job_cannot_reach_the_grader_the_network_or_the_masters(sandbox):
    job = Job(sandbox, [
        "import os, socket\n"
        f"MASTERS = os.path.exists({str(paths.SOLUTIONS / 'nb1_zero_shot.ipynb')!r})\n"
        f"AUTOGRADER = os.path.exists({str(paths.AUTOGRADER)!r})\n"
        "FIXTURES = os.path.exists('offline/tiny-bert-cased/config.json')\n"
        "try:\n    open('offline/planted.txt', 'w')\n    WROTE_FIXTURES = True\nexcept OSError:\n    WROTE_FIXTURES = False\n"
        "try:\n    socket.create_connection(('1.1.1.1', 80), timeout=2)\n    NET = True\nexcept OSError:\n    NET = False\n"
        "PIDS = sorted(int(p) for p in os.listdir('/proc') if p.isdigit())\n"])
    try:
        assert job.value("MASTERS") is False and job.value("AUTOGRADER") is False
        assert job.value("FIXTURES") is True and job.value("WROTE_FIXTURES") is False
        assert job.value("NET") is False
        assert max(job.value("PIDS")) < 1000, "a job lives in its own PID namespace"
    finally:
        job.end()


def test_nothing_a_job_started_outlives_it(sandbox):
    job = Job(sandbox, ["import subprocess, sys\n"
                        "subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(300)'], start_new_session=True)\n"
                        "import os\nUID = os.getuid()"])
    uid = job.value("UID")
    job.end()
    time.sleep(0.2)
    left = []
    for entry in os.listdir("/proc"):
        try:
            status = Path(f"/proc/{entry}/status").read_text()
        except OSError:
            continue
        if entry.isdigit() and f"Uid:\t{uid}\t" in status:
            left.append(entry)
    assert left == [], f"processes of the job's uid {uid} survived: {left}"


def test_limits_hold(sandbox):
    job = Job(sandbox, [
        "try:\n    hog = bytearray(3 * 2**30)\n    MEMORY = 'allocated'\nexcept MemoryError:\n    MEMORY = 'capped'\n",
        "try:\n    open('big.bin', 'wb').write(b'x' * 20 * 2**20)\n    FILE = 'written'\nexcept OSError:\n    FILE = 'capped'\n"])
    try:
        assert job.value("MEMORY") == "capped" and job.value("FILE") == "capped"
    finally:
        job.end()


def test_a_dying_notebook_is_seen_as_dead(sandbox):
    job = Job.__new__(Job)
    job.box = sandbox
    mine, theirs = socket.socketpair()
    job.job = sandbox.start_job({"cells": ["import os\nos._exit(3)"], "setup": [], "limits": LIMITS,
                                 "env": sandbox.child_env(), "links": {}}, theirs)
    theirs.close()
    job.channel = Channel(mine)
    assert job.channel.receive(timeout=30) == {"event": "isolated"}
    with pytest.raises(ChannelClosed):
        job.channel.receive(timeout=30)
    job.end()


def test_uid_sandbox_needs_root_and_a_python_other_users_can_read():
    if os.geteuid() != 0:
        with pytest.raises(SandboxUnavailable, match="needs root"):
            choose("uid")
    else:
        with pytest.raises(SandboxUnavailable, match="refused unless acknowledged"):
            choose("uid")
        try:
            assert choose("uid", acknowledged=True) == "uid"
        except SandboxUnavailable as error:
            assert "not readable by other users" in str(error)
    assert choose("none") == "none"


def test_a_python_under_tmp_still_starts_the_sandbox(tmp_path):
    """The sandbox mounts a fresh /tmp; a checkout or venv that lives under /tmp (a fresh clone there) must still
    be visible inside it. The venv is reached through a link under tmp_path, so sys.prefix is a /tmp path."""
    import subprocess
    import sys

    (tmp_path / "venv").symlink_to(sys.prefix)
    python = tmp_path / "venv" / "bin" / "python"
    script = ("import sys; sys.path.insert(0, sys.argv[1]); from bertcourse import paths\n"
              "from bertcourse.sandbox import Sandbox\n"
              "box = Sandbox('bwrap', {'course': paths.SOLUTIONS}); box.wait_ready(); box.close(); print(sys.prefix)")
    done = subprocess.run([str(python), "-c", script, str(paths.REPO)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == str(tmp_path / "venv")


def test_two_batches_at_once_never_share_a_job_uid(tmp_path):
    """A uid shares its process limit (and, in uid mode, its signals) across the machine: two graders running at
    once (a second `make grade`, the suite's other worker) must never give the same uid to two live jobs."""
    import itertools

    first, second = JobUids(tmp_path / "uids"), JobUids(tmp_path / "uids")
    first._next, second._next = itertools.count(0), itertools.count(0)  # the worst case: the same starting point
    claims = [pool.claim() for pool in (first, second) for _ in range(5)]
    uids = [uid for uid, _ in claims]
    assert len(set(uids)) == 10 and all(uid >= UID_BASE for uid in uids)
    first.release(claims[0][1])
    second._next = itertools.count(0)
    uid, lock = second.claim()
    assert uid == claims[0][0], "a released uid can be used again"
    second.release(lock)
    for pool, (_, fd) in zip([first] * 4 + [second] * 5, claims[1:]):
        pool.release(fd)
    assert list((tmp_path / "uids").iterdir()) == [], "lock files of released uids are removed"


def test_lock_files_no_live_job_holds_are_removed(tmp_path):
    import fcntl

    folder = tmp_path / "uids"
    folder.mkdir(mode=0o700)
    for uid in (UID_BASE + 1, UID_BASE + 2):
        (folder / str(uid)).touch()  # left by graders that died
    held = os.open(folder / str(UID_BASE + 3), os.O_CREAT | os.O_RDWR)
    fcntl.flock(held, fcntl.LOCK_EX)  # a live job of another grader
    assert JobUids(folder).remove_stale() == 2
    assert [p.name for p in folder.iterdir()] == [str(UID_BASE + 3)]
    os.close(held)


def _cgroup_of(job) -> dict[str, str]:
    """The job's memory and pids limits, read from its cgroup on this side."""
    out = {}
    for folder in job.box.cgroups.folders.values():
        for name in ("memory.limit_in_bytes", "pids.max", "memory.max"):
            if (folder / job.job.id / name).exists():
                out[name] = (folder / job.job.id / name).read_text().strip()
    return out


def test_each_job_has_its_own_bounded_space_ipc_and_cgroup(sandbox):
    """A job fills its writable space and leaves System V shared memory behind: its quota stops it, the
    next job has all its space and sees no IPC object; the job's memory and processes have one cgroup."""
    make_shm = ("import ctypes\nlibc = ctypes.CDLL(None, use_errno=True)\n"
                "SHM = libc.shmget(0x5eed, 1 << 20, 0o1666)\n")
    fill = ("import os, shutil\nDISK = 'unbounded'\ntry:\n    for i in range(1000):\n"
            "        with open(f'fill{i}.bin', 'wb') as f:\n            for _ in range(8):\n"
            "                f.write(b'x' * 2**20)\nexcept OSError as e:\n    DISK = e.errno\n"
            "FREE = shutil.disk_usage('.').free\n")
    hog = Job(sandbox, [make_shm, fill])
    try:
        import errno

        assert hog.value("SHM") >= 0 and hog.value("DISK") == errno.ENOSPC
        assert hog.value("FREE") < 2**20
        limits = _cgroup_of(hog)
        if limits:  # a machine with cgroups (v1 here): one budget for all the job's processes
            assert limits.get("memory.limit_in_bytes", limits.get("memory.max")) == str(LIMITS["memory_mb"] * 2**20)
            assert limits["pids.max"] == str(LIMITS["processes"])
    finally:
        hog.end()
    assert _cgroup_of(hog) == {}, "the job's cgroup outlived it"
    victim = Job(sandbox, [make_shm.replace("0o1666", "0o666"), "import shutil\nFREE = shutil.disk_usage('.').free\n"])
    try:
        assert victim.value("SHM") == -1, "a System V segment of an earlier job is still there"
        assert victim.value("FREE") > 250 * 2**20
    finally:
        victim.end()


def test_memory_is_one_budget_for_all_of_a_jobs_processes(sandbox):
    """Three processes of 1 GB each (each below the per-process cap) do not fit a 2 GB job: the cgroup ends
    some of them; on a machine without cgroups only the per-process cap holds. The job waits until only one
    is left (however slowly a loaded machine allocates), or 60 s: three alive then held 3 GB."""
    if not sandbox.cgroups.folders:
        pytest.skip("no cgroup controllers here: memory is limited per process only")
    cells = ["import os, time\nkids = []\nfor _ in range(3):\n    pid = os.fork()\n    if pid == 0:\n"
             "        hog = bytearray(1024 * 2**20)\n        time.sleep(300)\n        os._exit(0)\n"
             "    kids.append(pid)\nalive = set(kids)\nstarted = time.monotonic()\n"
             "while len(alive) > 1 and time.monotonic() - started < 60:\n"
             "    alive = {p for p in alive if os.waitpid(p, os.WNOHANG) == (0, 0)}\n    time.sleep(0.2)\n"
             "ALIVE = len(alive)\n"]
    job = Job(sandbox, cells)
    try:
        if job.ready.get("event") == "ready" and not job.ready["failed_cells"]:
            assert job.value("ALIVE") <= 1, "three 1 GB processes held 3 GB in a 2 GB job"
    finally:
        job.end()


def test_ending_a_job_reads_nothing_it_made(sandbox):
    """What a job leaves where its output log used to be (a named pipe, a link to an endless device) is never
    opened: the output is a memfd the zygote holds, and the template keeps answering."""
    job = Job(sandbox, ["import os\nos.mkfifo('output.log')\nos.symlink('/dev/zero', 'log')\n"
                        "os.symlink('/dev/zero', '../output.log')\nprint('tail of the output')\n"])
    started = time.monotonic()
    tail = job.end()
    assert time.monotonic() - started < 10 and "tail of the output" in tail
    assert Job(sandbox, ["X = 1"]).value("X") == 1


def test_a_lost_template_is_replaced_and_says_so(tmp_path):
    """The template killed (as if it had broken): the job it was running is the grader's failure, and the next
    job runs in a fresh template."""
    from bertcourse.sandbox import SandboxLost

    box = Sandbox("bwrap", {"course": paths.SOLUTIONS})
    try:
        box.wait_ready()
        job = Job(box, ["X = 1"])
        os.killpg(box.process.pid, 9)
        with pytest.raises(SandboxLost):
            Job(box, ["X = 2"])
        assert box.lost_since(job.job) and job.end() == ""
        assert Job(box, ["X = 3"]).value("X") == 3
    finally:
        box.close()
    assert not any(f.exists() for f in box.cgroups.folders.values()), "the batch's cgroups outlived it"


def test_a_message_over_the_frame_limit_is_never_sent():
    from bertcourse.boundary.channel import FrameTooLarge

    mine, theirs = socket.socketpair()
    channel = Channel(mine, max_frame=1000)
    with pytest.raises(FrameTooLarge):
        channel.send({"text": "é" * 500})  # 3000 bytes ASCII-escaped
    channel.send({"text": "small"})
    assert Channel(theirs).receive(timeout=5) == {"text": "small"}, "the stream stayed in step"
    mine.close()
    theirs.close()


CASE_TRACES = """import ctypes, mmap, os, subprocess, sys, threading, time
libc = ctypes.CDLL(None, use_errno=True)
SHARED = mmap.mmap(-1, 4096)
open('made-by-the-notebook.txt', 'w').write('kept')
LATE = "import time; time.sleep(1); open('late-from-a-process.txt', 'w').write('x')  # notebook-daemon"
subprocess.Popen([sys.executable, '-c', LATE], start_new_session=True)
threading.Thread(target=lambda: (time.sleep(1), open('late-from-a-thread.txt', 'w'))).start()


def leave():
    open('left-by-a-case.txt', 'w').write('x')
    open('/jobs/left-at-the-top.txt', 'w').write('x')
    SHARED[:4] = b'case'
    libc.shmget(0x5eed22, 4096, 0o1600)
    subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(300)  # case-daemon'], start_new_session=True)
    return os.getpid()


def seen():
    found = [p for p in ['left-by-a-case.txt', '/jobs/left-at-the-top.txt', 'late-from-a-process.txt',
                         'late-from-a-thread.txt'] if os.path.exists(p)]
    if SHARED[:4] == b'case':
        found.append('shared memory')
    if libc.shmget(0x5eed22, 0, 0) != -1:
        found.append('System V')
    for pid in os.listdir('/proc'):
        try:
            if pid.isdigit() and b'daemon' in open(f'/proc/{pid}/cmdline', 'rb').read():
                found.append('process')
        except OSError:
            pass
    return {'found': found, 'notebook': open('made-by-the-notebook.txt').read(), 'free': os.statvfs('.').f_bavail}
"""


def test_each_test_case_starts_from_the_finished_notebook(sandbox):
    """A case writes a file (in its folder and at the top of its space), shared memory, a System V segment and
    leaves a process; the notebook left a process and a thread that write later: the next case sees none of
    it, and still sees what the notebook itself made."""
    job = Job(sandbox, [CASE_TRACES])
    try:
        assert job.ready["failed_cells"] == 0, job.ready
        assert isinstance(job.call("leave"), int)
        time.sleep(1.5)  # the notebook's late writers would have written by now
        assert job.call("seen") == {"found": [], "notebook": "kept", "free": job.call("seen")["free"]}
    finally:
        job.end()


WHAT_A_JOB_READS = """import glob, os, sys
READ = [open('/proc/self/mountinfo').read(), open('/proc/mounts').read(), repr(sys.path), repr(dict(os.environ)),
        os.getcwd(), sys.executable, sys.prefix, sys.base_prefix, repr(sys.modules['os'].__file__)]
for path in glob.glob('/proc/[0-9]*/cmdline'):
    try:
        READ.append(open(path, 'rb').read().decode(errors='replace'))
    except OSError:
        pass
READ = '\\n'.join(READ)
"""


def test_nothing_a_job_reads_names_a_host_path(sandbox):
    """The mount table, bubblewrap's command line, sys.path, the environment and the folder a job sees name
    neither the repository, nor the grader's scratch or staging folder, nor where Python is installed."""
    import sys

    job = Job(sandbox, [WHAT_A_JOB_READS])
    try:
        read = job.value("READ")
    finally:
        job.end()
    assert "/course/code" in read and "/venv" in read  # what it does see
    # (the staging folder, /run/bertcourse-sandbox/<pid>-<random>, is neutral by design: it may show)
    forbidden = {str(paths.REPO), str(sandbox._scratch), sys.prefix, sys.base_prefix}
    assert [path for path in forbidden if path in read] == []
