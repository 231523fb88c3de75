"""Neutral sources for the bubblewrap sandbox's mounts: nothing a job can read names a host path.

A bind mount shows its source's path in the mount table (/proc/self/mountinfo), and bubblewrap's command line
(pid 1 in the sandbox, /proc/1/cmdline) lists every source. So the sandbox mounts nothing from the repository,
the grader's scratch folder or the Python installation by its own path:
  - the course's code and each assignment's fixtures (small): copied to a root-only staging folder,
    /run/bertcourse-sandbox/<pid>-<random>, mounted from there;
  - the Python installation and the venv's libraries (large): each a read-only overlay whose only layer is
    a bind of the real folder at a path in the staging folder, both made in a mount namespace of the
    sandbox's own (`enter_mounts`, run in bubblewrap's process before it starts): the mount table shows
    the overlay's staging path, never the real one;
  - the venv's pyvenv.cfg and bin/python: written in the staging folder, naming /python (the base Python
    as the sandbox sees it), so sys.prefix, sys.base_prefix and sys.path are /venv and /python.
What stays readable inside: the contents of those files. The base Python's build configuration
(_sysconfigdata) names the prefix it was built for, and compiled bytecode (.pyc) records the path its
source had when it was compiled: a venv inside the repository (`make venv`'s .venv) thus names the
repository's path in its .pyc files. A venv outside it (/opt/bertcourse-venv, as Gradescope's setup.sh
makes) names nothing of the repository.

Trusts: this process's own files. Runs in the grader (as root), never in the sandbox.
"""

from __future__ import annotations

import ctypes
import os
import secrets
import shutil
import sys
from pathlib import Path

ROOT = Path("/run/bertcourse-sandbox")
MS_BIND, MS_REC, MS_PRIVATE, MS_RDONLY = 0x1000, 0x4000, 0x40000, 0x1
CLONE_NEWNS = 0x00020000
PYTHON, VENV, CODE = "/python", "/venv", "/course/code"  # where the sandbox sees them


class Staging:
    """The staging folder of one sandbox: what to copy now, what to mount when bubblewrap starts."""

    def __init__(self, package: Path, course_files: dict[str, Path]):
        root = ROOT if Path("/run").is_dir() and os.access("/run", os.W_OK) else Path("/tmp") / ROOT.name
        root.mkdir(mode=0o700, exist_ok=True)
        _remove_stale(root)
        self.folder = root / f"{os.getpid()}-{secrets.token_hex(6)}"
        self.folder.mkdir(mode=0o700)
        self.overlays: list[tuple[str, Path]] = []  # (real folder, staging view) mounted by enter_mounts
        for name in ("src", "view", "empty"):
            (self.folder / name).mkdir(mode=0o711)
        shutil.copytree(package, self.folder / "code" / package.name,
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        for name, folder in course_files.items():
            shutil.copytree(folder, self.folder / "course" / name)
        self.base = self._overlay("python", Path(sys.base_prefix))
        self.venv_lib = None
        if sys.prefix != sys.base_prefix:  # a venv: its libraries, and a pyvenv.cfg naming /python
            self.venv_lib = self._overlay("venv-lib", Path(sys.prefix) / "lib")
            top = self.folder / "venv"
            (top / "bin").mkdir(parents=True)
            version = f"{sys.version_info.major}.{sys.version_info.minor}"
            (top / "pyvenv.cfg").write_text(f"home = {PYTHON}/bin\ninclude-system-site-packages = false\n"
                                            f"version = {sys.version.split()[0]}\n")
            (top / "bin" / "python").symlink_to(f"{PYTHON}/bin/python{version}")
            (top / "lib").mkdir()
        for path in self.folder.rglob("*"):  # the job uids read the code and fixtures (through the mounts)
            if not path.is_symlink():
                os.chmod(path, 0o755 if path.is_dir() else 0o644)
        os.chmod(root, 0o700)  # on the host: the grader's alone

    def _overlay(self, name: str, real: Path) -> Path:
        (self.folder / "src" / name).mkdir()
        (self.folder / "view" / name).mkdir()
        self.overlays.append((str(real), self.folder / "view" / name))
        return self.folder / "view" / name

    def python(self) -> str:
        """The interpreter to start in the sandbox."""
        return f"{VENV}/bin/python" if self.venv_lib else f"{PYTHON}/bin/python{sys.version_info.major}." \
                                                           f"{sys.version_info.minor}"

    def library_path(self) -> str | None:
        """Where the sandbox's Python finds its shared libpython (a build such as pyenv's names its real
        prefix as the run path, which the sandbox does not have), or None if it needs none."""
        version = f"{sys.version_info.major}.{sys.version_info.minor}"
        return f"{PYTHON}/lib" if (Path(sys.base_prefix) / "lib" / f"libpython{version}.so.1.0").exists() else None

    def binds(self) -> list[tuple[str, str]]:
        """(staging source, folder in the sandbox), read-only, parents first."""
        out = [(str(self.base), PYTHON)]
        if self.venv_lib:
            out += [(str(self.folder / "venv"), VENV), (str(self.venv_lib), f"{VENV}/lib")]
        out.append((str(self.folder / "code"), CODE))
        out += [(str(self.folder / "course" / name), f"/course/{name}")
                for name in sorted(os.listdir(self.folder / "course"))] if (self.folder / "course").is_dir() else []
        return out

    def enter_mounts(self) -> None:
        """In bubblewrap's process, before it starts (Popen's preexec_fn): a mount namespace of its own where
        each large folder is a read-only overlay at its staging path (nothing here reaches the host's)."""
        libc = ctypes.CDLL(None, use_errno=True)

        def mount(source: str, target: str, fstype: str | None, flags: int, options: str | None = None):
            if libc.mount(source.encode(), target.encode(), fstype.encode() if fstype else None, flags,
                          options.encode() if options else None) != 0:
                errno = ctypes.get_errno()
                raise OSError(errno, f"mount {target}: {os.strerror(errno)}")

        os.unshare(CLONE_NEWNS)
        mount("none", "/", None, MS_REC | MS_PRIVATE)
        for real, view in self.overlays:
            source = self.folder / "src" / view.name
            mount(real, str(source), None, MS_BIND | MS_REC)
            mount("sandbox", str(view), "overlay", MS_RDONLY,
                  f"lowerdir={source}:{self.folder / 'empty'}")

    def remove(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


def _remove_stale(root: Path) -> None:
    """Staging folders of graders that died without removing theirs (`<pid>-...`, pid gone)."""
    for folder in root.iterdir():
        pid = folder.name.split("-")[0]
        if pid.isdigit() and not Path(f"/proc/{pid}").exists():
            shutil.rmtree(folder, ignore_errors=True)
