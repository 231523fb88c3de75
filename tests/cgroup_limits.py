"""A container's limits for one process tree, the way Docker sets them: a child cgroup with a memory limit and a
CPU quota (cgroup v1, mounted read-write under /sys/fs/cgroup/memory and /sys/fs/cgroup/cpu on these machines).

    with Limits(memory_mb=768, cpus=1.0) as limits:
        done = subprocess.run(limits.wrap(["bash", "run_autograder"]), ...)
        limits.peak_mib(), limits.oom_kills()

`wrap` prefixes a command with a shell that writes its own pid into the cgroups, then execs the command: every
process it starts is in them from the first instruction. On leaving, whatever is still in the cgroups (a
process the command left behind) is killed and the cgroups are removed.
"""

from __future__ import annotations

import itertools
import os
import signal
import time
from pathlib import Path

MEMORY = Path("/sys/fs/cgroup/memory")
CPU = Path("/sys/fs/cgroup/cpu")
PERIOD_US = 100_000
_numbers = itertools.count()


def unavailable() -> str | None:
    """None if a test can make memory and CPU cgroups here, else why not."""
    if os.geteuid() != 0:
        return "making cgroups needs root"
    for controller, name in ((MEMORY, "memory.limit_in_bytes"), (CPU, "cpu.cfs_quota_us")):
        if not (controller / name).exists():
            return f"no cgroup v1 {controller.name} controller mounted at {controller}"
        if not os.access(controller, os.W_OK):
            return f"{controller} is not writable"
    return None


class Limits:
    def __init__(self, memory_mb: int, cpus: float = 1.0):
        self.memory_mb, self.cpus = memory_mb, cpus
        name = f"bertcourse-test-{os.getpid()}-{next(_numbers)}"
        self.memory, self.cpu = MEMORY / name, CPU / name

    def __enter__(self) -> "Limits":
        self.memory.mkdir()
        self.cpu.mkdir()
        (self.memory / "memory.limit_in_bytes").write_text(str(self.memory_mb * 1024 * 1024))
        memsw = self.memory / "memory.memsw.limit_in_bytes"  # no swap either: a container's limit is hard
        if memsw.exists():
            try:
                memsw.write_text(str(self.memory_mb * 1024 * 1024))
            except OSError:
                pass
        (self.cpu / "cpu.cfs_period_us").write_text(str(PERIOD_US))
        (self.cpu / "cpu.cfs_quota_us").write_text(str(int(PERIOD_US * self.cpus)))
        return self

    def wrap(self, command: list[str]) -> list[str]:
        script = 'echo $$ > "$1" && echo $$ > "$2" && shift 2 && exec "$@"'
        return ["sh", "-c", script, "sh", str(self.memory / "cgroup.procs"), str(self.cpu / "cgroup.procs"), *command]

    def peak_mib(self) -> float:
        """The highest memory use of the tree so far (memory.max_usage_in_bytes: resident memory and page cache)."""
        return int((self.memory / "memory.max_usage_in_bytes").read_text()) / 2**20

    def oom_kills(self) -> int:
        """How many processes the kernel killed for this cgroup's memory limit."""
        for line in (self.memory / "memory.oom_control").read_text().splitlines():
            if line.startswith("oom_kill "):
                return int(line.split()[1])
        return 0

    def __exit__(self, *_) -> None:
        for _ in range(100):
            left = set()
            for group in (self.memory, self.cpu):
                try:
                    left |= {int(p) for p in (group / "cgroup.procs").read_text().split()}
                except OSError:
                    pass
            for pid in left:  # only processes the wrapped command started
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
            try:
                for group in (self.memory, self.cpu):
                    if group.exists():
                        group.rmdir()
                return
            except OSError:
                time.sleep(0.05)
