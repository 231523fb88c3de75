"""Inside the sandbox: each test case starts from the job as it was when the notebook finished.

A test process is a fork of the job's template (bertcourse/sandboxed/student_side.py). Right after the fork,
before it answers any request, it cuts every path by which it could change what a later case starts from:

  - files: a user namespace of its own (its uid mapped to itself), and in it a mount namespace where the
    job's folder is an overlay: the notebook's files below, an upper layer on a tmpfs of the case's own
    (size-capped) above. What the case writes goes there and goes with its last process;
  - IPC: an IPC namespace of its own (System V objects it makes die with it);
  - memory shared with the template (MAP_SHARED mappings inherited by fork: mmap(-1), shmat, a memfd):
    replaced at the same address by a private copy of their contents;
  - open files, pipes and sockets inherited from the notebook: each fd number then refers to /dev/null,
    except files on read-only mounts (the fixtures, the libraries) and character devices;
  - processes: the template kills every process of the job but itself before the next case starts.
Then it gives up the capabilities its user namespace gave it: it cannot unmount the overlay to reach the
folder below, and a namespace it makes later has those mounts locked.

Trusts the kernel and the job's limits (spec from the zygote). Runs in a process whose interpreter also ran
the student's notebook: code the notebook put in place of this module's functions could skip these steps
for its own cases (never another job's; public cases run before hidden ones either way).
"""

from __future__ import annotations

import ctypes
import os
import stat

CLONE_NEWNS, CLONE_NEWUSER, CLONE_NEWIPC = 0x00020000, 0x10000000, 0x08000000
MS_REC, MS_PRIVATE, MNT_DETACH = 0x4000, 0x40000, 2
PR_SET_DUMPABLE = 4
PROT = {"r": 1, "w": 2, "x": 4}
MAP_PRIVATE, MAP_FIXED, MAP_ANONYMOUS = 0x02, 0x10, 0x20
SCRATCH = "/tmp"  # the case's own tmpfs is mounted here just long enough to hold the overlay's layers

_libc = ctypes.CDLL(None, use_errno=True)
_libc.mmap.restype = ctypes.c_void_p
_libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_long]
_libc.mprotect.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]


def _check(result: int, what: str) -> None:
    if result != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"{what}: {os.strerror(errno)}")


def _mount(source: str, target: str, fstype: str | None, flags: int, options: str | None = None) -> None:
    _check(_libc.mount(source.encode(), target.encode(), fstype.encode() if fstype else None, flags,
                       options.encode() if options else None), f"mount {target}")


# ------------------------------------------------------------------ what the fork shares with the template
def detach_inherited_fds(keep: set[int]) -> None:
    """Every inherited fd but `keep`, read-only files and character devices now refers to /dev/null (the
    number stays valid, so a library closing it later closes nothing of ours)."""
    null = os.open(os.devnull, os.O_RDWR)
    for fd in [int(n) for n in os.listdir("/proc/self/fd")]:
        if fd in keep or fd == null:
            continue
        try:
            mode = os.fstat(fd).st_mode
            if stat.S_ISCHR(mode):
                continue
            if (stat.S_ISREG(mode) or stat.S_ISDIR(mode)) and os.fstatvfs(fd).f_flag & os.ST_RDONLY:
                continue
        except OSError:  # closed meanwhile (the listing's own fd)
            continue
        os.dup2(null, fd)
    os.close(null)


def privatize_shared_memory() -> None:
    """Each MAP_SHARED mapping becomes a private copy at the same address: what this case writes there is
    its own, as if the notebook had never shared it."""
    with open("/proc/self/maps") as maps:
        lines = maps.read().splitlines()
    for line in lines:
        fields = line.split()
        if len(fields) < 5 or fields[1][3] != "s":
            continue
        start, end = (int(x, 16) for x in fields[0].split("-"))
        size, prot = end - start, sum(PROT[c] for c in fields[1][:3] if c in PROT)
        contents = ctypes.string_at(start, size) if "r" in fields[1] else None
        address = _libc.mmap(start, size, PROT["r"] | PROT["w"], MAP_PRIVATE | MAP_FIXED | MAP_ANONYMOUS, -1, 0)
        if address != start:
            raise OSError(ctypes.get_errno(), "a private copy of shared memory could not be made")
        if contents is not None:
            ctypes.memmove(start, contents, size)
        _check(_libc.mprotect(start, size, prot), "mprotect")


# ------------------------------------------------------------------ the case's own files and IPC
def _write(path: str, text: str) -> None:
    with open(path, "w") as out:
        out.write(text)


def own_namespaces(folder: str, disk_mb: int, inodes: int = 100_000) -> None:
    """A user, mount and IPC namespace of this case's own; `folder` (the job's writable space) an overlay of
    the notebook's files and this case's tmpfs; then no capability left."""
    uid, gid, here = os.getuid(), os.getgid(), os.getcwd()
    _libc.prctl(PR_SET_DUMPABLE, 1, 0, 0, 0)  # else /proc/self/uid_map is root's, not ours to write
    try:
        os.unshare(CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWIPC)
        _write("/proc/self/setgroups", "deny")
        _write("/proc/self/uid_map", f"{uid} {uid} 1")
        _write("/proc/self/gid_map", f"{gid} {gid} 1")
    finally:
        _libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)  # no other process of the uid may trace or read this one
    _mount("none", "/", None, MS_REC | MS_PRIVATE)
    _mount("case", SCRATCH, "tmpfs", 0, f"size={disk_mb}m,nr_inodes={inodes},mode=0700")
    os.mkdir(f"{SCRATCH}/upper")
    os.mkdir(f"{SCRATCH}/work")
    _mount("case", folder, "overlay", 0, f"lowerdir={folder},upperdir={SCRATCH}/upper,workdir={SCRATCH}/work")
    _check(_libc.umount2(SCRATCH.encode(), MNT_DETACH), f"umount {SCRATCH}")  # the overlay keeps its layers
    os.chdir(here)  # the same path, now through the overlay
    _drop_capabilities()


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32), ("inheritable", ctypes.c_uint32)]


def _drop_capabilities() -> None:
    """The capabilities a new user namespace gives its creator, all given up (the uid is not 0 in it, and
    no_new_privs is set: nothing gives them back)."""
    header, data = _CapHeader(0x20080522, 0), (_CapData * 2)()  # _LINUX_CAPABILITY_VERSION_3: two words
    _check(_libc.capset(ctypes.byref(header), data), "capset")


available = False  # whether a case can have namespaces of its own here (set by the zygote's `probe`)


def probe(folder: str, probe_uid: int = 65534) -> bool:
    """Whether an unprivileged process can make a case's namespaces and overlay here (a kernel with user
    namespaces disabled, or an AppArmor policy restricting them, cannot): tried once, in a throw-away fork
    running as `probe_uid` with no capability, as a job's test process would."""
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            os.setgroups([])
            os.setgid(probe_uid)
            os.setuid(probe_uid)
            _libc.prctl(38, 1, 0, 0, 0)  # PR_SET_NO_NEW_PRIVS, as a job
            own_namespaces(folder, 16)
            code = 0
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status) == 0


def enter(keep_fds: set[int], folder: str | None, disk_mb: int) -> None:
    """Make this fresh test process independent of every other case (see the module docstring); `folder`:
    the job's writable space, None where the sandbox gives cases no namespaces (uid and no-sandbox modes)."""
    detach_inherited_fds(keep_fds)
    privatize_shared_memory()
    if folder is not None:
        own_namespaces(folder, disk_mb)
