"""Inside the sandbox: what makes one job's resources its own, set up by the job process while it is still the
zygote's privileged fork (before it drops to the job's uid and before any student code runs).

Trusts: the zygote's request (the grader's) and the kernel. Nothing here reads what a student wrote.

  - its own mount, IPC and network namespaces: System V / POSIX IPC objects and sockets die with the job
    (the kernel removes an IPC namespace's objects when its last process ends), nothing of another job is
    reachable, not even over loopback;
  - its own writable space: one tmpfs with a size and inode quota, mounted in its own namespace at
    JOBS_ROOT (its folder and TMPDIR live there; nothing else in the sandbox is writable by a job uid), so
    no file of the job outlives it and no job can fill space another uses;
  - its own cgroup (memory for all its processes together, a process count, at most one CPU), created under
    the batch's cgroup the grader bound at CGROUP_ROOT; the grader's folders are then unmounted from the
    job's view.
"""

from __future__ import annotations

import ctypes
import os
from pathlib import Path

JOBS_ROOT = Path(os.environ.get("BERTCOURSE_JOBS_ROOT", "/jobs"))  # where each job's folder is
ISOLATED = os.environ.get("BERTCOURSE_ISOLATE") == "1"  # bubblewrap: each job gets its own namespaces and tmpfs
CGROUP_ROOT = Path("/cgroup")  # the batch's cgroup folders, one per controller (bound by bertcourse/sandbox.py)
MS_NOSUID, MS_NODEV, MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 0x2, 0x4, 0x20, 0x1000, 0x4000, 0x40000
MNT_DETACH = 2
_libc = ctypes.CDLL(None, use_errno=True)


def job_dir(job: str) -> Path:
    if not job.isalnum():
        raise ValueError("bad job id")
    return JOBS_ROOT / job


def _check(result: int, what: str) -> None:
    if result != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"{what}: {os.strerror(errno)}")


def mount(source: str, target: str, fstype: str | None, flags: int, options: str | None = None) -> None:
    _check(_libc.mount(source.encode(), target.encode(), fstype.encode() if fstype else None, flags,
                       options.encode() if options else None), f"mount {target}")


def umount(target: str) -> None:
    _check(_libc.umount2(target.encode(), MNT_DETACH), f"umount {target}")


# ------------------------------------------------------------------ cgroups
def controllers() -> dict[str, Path]:
    """The batch's cgroup folders visible here, by controller ("memory", "pids", "cpu" or "unified")."""
    if not CGROUP_ROOT.is_dir():
        return {}
    return {p.name: p for p in sorted(CGROUP_ROOT.iterdir()) if p.is_dir()}


def join_cgroup(job: str, memory_bytes: int, processes: int) -> bool:
    """Put this process (and so everything it starts) into a new cgroup of its own, with the job's limits.
    Whether a memory controller holds the job now."""
    found = controllers()
    for name, batch in found.items():
        folder = batch / job
        folder.mkdir()
        if name == "memory":
            (folder / "memory.limit_in_bytes").write_text(str(memory_bytes))
            if (folder / "memory.swappiness").exists():
                try:
                    (folder / "memory.swappiness").write_text("0")
                except OSError:
                    pass
        elif name == "pids":
            (folder / "pids.max").write_text(str(processes))
        elif name == "cpu":
            (folder / "cpu.cfs_period_us").write_text("100000")
            (folder / "cpu.cfs_quota_us").write_text("100000")  # one CPU at most
        elif name == "unified":
            (folder / "memory.max").write_text(str(memory_bytes))
            (folder / "pids.max").write_text(str(processes))
            for optional, value in (("memory.swap.max", "0"), ("cpu.max", "100000 100000")):
                if (folder / optional).exists():
                    (folder / optional).write_text(value)
        (folder / "cgroup.procs").write_text(str(os.getpid()))
    return "memory" in found or "unified" in found


def remove_cgroup(job: str) -> None:
    """Remove the job's cgroups (called once every process of the job is gone)."""
    import time

    for batch in controllers().values():
        folder = batch / job
        for _ in range(200):
            try:
                folder.rmdir()
                break
            except FileNotFoundError:
                break
            except OSError:  # its last processes are still being reaped
                time.sleep(0.01)


# ------------------------------------------------------------------ namespaces and the writable space
def isolate(jobs_root: Path, uid: int, disk_mb: int, inodes: int = 100_000) -> None:
    """New mount, IPC and network namespaces for this job; its own tmpfs at `jobs_root` (the sandbox's /tmp
    is the zygote's, read-only to job uids: TMPDIR is in the job's folder); the batch's cgroup folders out
    of sight."""
    os.unshare(os.CLONE_NEWNS | os.CLONE_NEWIPC | os.CLONE_NEWNET)
    mount("none", "/", None, MS_REC | MS_PRIVATE)  # nothing mounted here propagates back to the zygote
    mount("job", str(jobs_root), "tmpfs", MS_NOSUID | MS_NODEV,
          f"size={disk_mb}m,nr_inodes={inodes},mode=0711,uid={uid},gid={uid}")
    for folder in controllers().values():
        umount(str(folder))
