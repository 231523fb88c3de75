"""A simulated Gradescope run of the autograder zips: the same scores as `make grade`, from what the zip declares,
inside a container's memory and CPU limits.

Gradescope builds one image per assignment by running the zip's setup.sh, then runs run_autograder as root
once per submission with the zip in /autograder/source and the student's files in /autograder/submission.
Here: the zip's own setup.sh builds a fresh virtual environment from ONLY the zip's requirements.txt (with a
Python of the version the zip's python-version file names, already on this machine, instead of the miniforge
one it installs on Gradescope, and pip's own index instead of PyTorch's; cached between runs under /var/tmp,
keyed by what the zip declares), and the zip's own run_autograder grades sample submissions in that layout
under a temporary root, each inside a cgroup like a container's (tests/cgroup_limits.py): the setting's
1430 MiB and one CPU for the gradings whose scores are checked, Gradescope's default 768 MB for the runs that must fail loudly.
Expected scores are the rows test_batch_grading.py asserts for `make grade` (tests/samples.py). One run uses
`--sandbox uid`, the fallback for a container where bubblewrap cannot run (Gradescope's, most likely).
"""

from __future__ import annotations

import concurrent.futures
import glob
import hashlib
import json
import os
import re
import shutil
import subprocess
import time
import zipfile
from pathlib import Path

import pytest
from filelock import FileLock

import cgroup_limits
import samples
from bertcourse import gradescope, paths, release
from bertcourse.sandbox import _world_readable, bwrap_usable

CACHE = Path("/var/tmp/bertcourse-gradescope")
FULL_MARKS = {  # each notebook's full-marks sample (nb2's also loads its metric with evaluate.load)
    samples.NB1: "perfect.ipynb",
    samples.NB2: "nb2_yelp_stars_evaluate_load.ipynb",
    samples.NB3: "nb3_mnli_pairs_perfect.ipynb",
    samples.NB4: "nb4_conll_ner_perfect.ipynb",
}
RUNS = {  # sample -> sandbox (uid: no namespaces, so there a submission could read this machine's repository)
    **{sample: "auto" for sample in FULL_MARKS.values()},
    "partial.ipynb": "auto",
    "attack_leak_hidden.ipynb": "auto",
    "attack_check_results_edited.ipynb": "uid",
    "honest_python313_syntax.ipynb": "auto",  # answers in Colab's 3.12+ syntax keep full marks
    "infinite_loop.ipynb": "auto",  # a never-ending cell between two answers: stopped, every answer keeps its marks
}
TIMEOUTS = {"infinite_loop.ipynb": 60}  # --timeout for the run (the default 480 s would stop the cell at 120 s)
# the setting the README names, "1.5GB", read the stingy way (1.5e9 bytes), and Gradescope's default
LIMITED_MB, GRADESCOPE_DEFAULT_MB = 1430, 768

needs_root = pytest.mark.skipif(bwrap_usable() is not None or os.geteuid() != 0,
                                reason="Gradescope runs run_autograder as root; the simulation needs root and "
                                       f"bubblewrap ({bwrap_usable()})")
needs_cgroups = pytest.mark.skipif(cgroup_limits.unavailable() is not None,
                                   reason=f"no container limits to simulate: {cgroup_limits.unavailable()}")


def python_version(zip_path: Path) -> str:
    """The Python the zip's setup.sh installs: its python-version file (3.13 without one, as setup.sh does)."""
    with zipfile.ZipFile(zip_path) as zf:
        text = zf.read("python-version").decode().strip() if "python-version" in zf.namelist() else ""
    return text if re.fullmatch(r"3\.\d+", text) else "3.13"


def find_python(version: str) -> str:
    """A python of `version` that every user can run (submissions run as users of their own, as on Gradescope):
    BERTCOURSE_PYTHON, the system's, else a world-readable copy of pyenv's (pyenv lives under /root, mode 700)."""
    candidates = [os.environ.get("BERTCOURSE_PYTHON", ""), f"/usr/bin/python{version}",
                  f"/usr/local/bin/python{version}", shutil.which(f"python{version}") or "",
                  *sorted(glob.glob(f"/root/.pyenv/versions/{version}.*/bin/python{version}"), reverse=True)]
    for candidate in candidates:
        if candidate and Path(candidate).exists():
            done = subprocess.run([candidate, "-c", "import sys; print('%d.%d' % sys.version_info[:2], sys.base_prefix)"],
                                  capture_output=True, text=True)
            found, _, prefix = done.stdout.strip().partition(" ")
            if found == version:
                return candidate if _world_readable(Path(prefix)) else _readable_copy(Path(prefix), version)
    pytest.skip(f"no Python {version} on this machine (the zip's python-version); set BERTCOURSE_PYTHON")


def _readable_copy(prefix: Path, version: str) -> str:
    """A copy of the installation at `prefix` under /var/tmp that other users can read (made once). Its
    executable's run path still names the original's libpython, readable by root (the grader runs as root); the
    bwrap sandbox loads the copy's own lib/ (bertcourse/staging.py's library_path), and in uid mode the
    submissions' processes are forks of the root template, so none loads it again."""
    copy = CACHE / f"python-{version}"
    CACHE.mkdir(parents=True, exist_ok=True)
    with FileLock(str(CACHE / f"python-{version}.lock")):
        if not (copy / ".complete").exists():
            shutil.rmtree(copy, ignore_errors=True)
            shutil.copytree(prefix, copy, symlinks=True)
            subprocess.run(["chmod", "-R", "a+rX", str(copy)], check=True)
            (copy / ".complete").write_text(f"a copy of {prefix}\n")
    return str(copy / "bin" / f"python{version}")


@pytest.fixture(scope="module")
def venv() -> Path:
    """The grading environment the zip's setup.sh builds from the zip's requirements.txt (cached)."""
    zip_path = release.zip_path("nb1_zero_shot")
    with zipfile.ZipFile(zip_path) as zf:
        declared = zf.read("requirements.txt") + zf.read("setup.sh")
    python = find_python(python_version(zip_path))
    key = hashlib.sha256(declared + python.encode()).hexdigest()[:16]
    target = CACHE / key / "venv"
    CACHE.mkdir(parents=True, exist_ok=True)
    os.chmod(CACHE, 0o755)
    with FileLock(str(CACHE / f"{key}.lock")):
        if not (target / ".complete").exists():
            shutil.rmtree(target, ignore_errors=True)
            root = CACHE / key / "build"
            shutil.rmtree(root, ignore_errors=True)
            (root / "source").mkdir(parents=True)
            with zipfile.ZipFile(zip_path) as zf:
                zf.extractall(root / "source")
            env = {**os.environ, "AUTOGRADER_ROOT": str(root), "BERTCOURSE_PYTHON": python,
                   "BERTCOURSE_VENV": str(target), "BERTCOURSE_TORCH_INDEX": ""}
            done = subprocess.run(["bash", str(root / "source" / "setup.sh")], env=env, capture_output=True,
                                  text=True, timeout=1800)
            if done.returncode != 0:
                pytest.skip(f"the zip's environment cannot be built here: {done.stderr[-1500:]}")
            (target / ".complete").write_text("built by the zip's setup.sh\n")
    return target


def uid_mode_possible(venv: Path) -> str | None:
    """None if `--sandbox uid` can run with this environment, else why not (its Python must be readable by the
    submissions' own users: pyenv's under /root is not)."""
    base = Path((venv / "pyvenv.cfg").read_text().split("home = ", 1)[1].splitlines()[0]).parent
    return None if _world_readable(base) else f"{base} is not readable by other users"


class Run:
    """One run of the zip's run_autograder: exit status, stdout, results.json (None if none), peak, seconds."""

    def __init__(self, done: subprocess.CompletedProcess, results: Path, peak_mib: float | None, oom_kills: int,
                 seconds: float):
        self.returncode, self.stdout, self.stderr = done.returncode, done.stdout, done.stderr
        self.data = json.loads(results.read_text()) if results.exists() else None
        self.peak_mib, self.oom_kills, self.seconds = peak_mib, oom_kills, seconds

    def __repr__(self) -> str:
        return f"rc {self.returncode}\n{self.stdout[-2000:]}\n{self.stderr[-3000:]}"


def run_autograder(tmp: Path, venv: Path, sample: str, sandbox: str = "auto", memory_mb: int | None = LIMITED_MB,
                   notebook: str | None = None, env: dict | None = None) -> Run:
    """Gradescope's layout under `tmp`, the zip of the sample's notebook (or `notebook`'s), then the zip's
    run_autograder, in a cgroup of `memory_mb` and one CPU (None, or no cgroups here: unlimited)."""
    notebook = notebook or samples.EXPECTED[sample][1]
    root = tmp / f"{Path(sample).stem}-{memory_mb}-{notebook}" / "autograder"
    (root / "submission").mkdir(parents=True)
    (root / "results").mkdir()
    with zipfile.ZipFile(release.zip_path(notebook)) as zf:
        zf.extractall(root / "source")
    shutil.copy(samples.FOLDER / sample, root / "submission" / sample)
    env = {"PATH": os.environ["PATH"], "AUTOGRADER_ROOT": str(root), "BERTCOURSE_VENV": str(venv), "HOME": "/root",
           **(env or {})}
    if sandbox != "auto":
        env["BERTCOURSE_SANDBOX"] = sandbox
    command = ["bash", str(root / "source" / "run_autograder")]
    start = time.monotonic()
    if memory_mb is None or cgroup_limits.unavailable():
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
        return Run(done, root / "results" / "results.json", None, 0, time.monotonic() - start)
    with cgroup_limits.Limits(memory_mb, cpus=1.0) as limits:
        done = subprocess.run(limits.wrap(command), env=env, capture_output=True, text=True, timeout=600)
        return Run(done, root / "results" / "results.json", limits.peak_mib(), limits.oom_kills(),
                   time.monotonic() - start)


@pytest.fixture(scope="module")
def runs(venv, tmp_path_factory) -> dict[str, Run]:
    """Every sample of RUNS graded by the zip's run_autograder, two at once, each in the setting's memory and one CPU."""
    tmp = tmp_path_factory.mktemp("gradescope")
    why_not_uid = uid_mode_possible(venv)
    todo = {s: b for s, b in RUNS.items() if b != "uid" or why_not_uid is None}
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        futures = {sample: pool.submit(run_autograder, tmp, venv, sample, sandbox,
                                       env={"BERTCOURSE_TIMEOUT": str(TIMEOUTS[sample])} if sample in TIMEOUTS else None)
                   for sample, sandbox in todo.items()}
        done = {sample: future.result() for sample, future in futures.items()}
    figures = ", ".join(f"{s}: {r.peak_mib or 0:.0f} MiB {r.seconds:.1f} s" for s, r in done.items())
    print(f"\nat {LIMITED_MB} MB, 1 CPU: {figures}")
    return done


def _expected(sample: str) -> tuple[float, float]:
    _, notebook, scores = samples.EXPECTED[sample]
    return sum((scores or {}).values()), sum(({**samples.FULL, samples.NB1: samples.FULL1}[notebook]).values())


def test_the_zip_declares_every_package_the_notebooks_need():
    from test_environment import REQUIRED, _pins

    for name in (paths.release_name(m) for m in paths.masters()):
        with zipfile.ZipFile(release.zip_path(name)) as zf:
            pins = _pins(zf.read("requirements.txt").decode())
            conda = _pins(zf.read("environment.yml").decode())
            setup = zf.read("setup.sh").decode()
            assert "otter_config.json" in zf.namelist() and "run_otter.py" in zf.namelist(), "otter run keeps working"
        repo = _pins((paths.REPO / "requirements.txt").read_text())
        assert pins == conda, "environment.yml and requirements.txt of the zip differ"
        assert REQUIRED - {"pytest", "jupyter"} <= pins.keys()
        assert "https://download.pytorch.org/whl/cpu" in setup, "the CPU-only build of PyTorch (no CUDA wheels)"
        assert all(pins[p].split("+")[0] == repo[p] for p in pins), "the zip pins the course's versions"


@needs_root
@pytest.mark.parametrize("sample", sorted(RUNS))
def test_gradescope_scores_equal_make_grade(runs, venv, sample):
    if sample not in runs:
        pytest.skip(f"--sandbox uid cannot run here: {uid_mode_possible(venv)}")
    run = runs[sample]
    assert run.returncode == 0 and run.data is not None, run
    expected, max_total = _expected(sample)
    assert run.data["score"] == pytest.approx(expected), run.data
    assert sum(t["max_score"] for t in run.data["tests"]) == pytest.approx(max_total)
    assert sum(t["score"] for t in run.data["tests"]) == pytest.approx(expected)


@needs_root
@needs_cgroups
def test_full_marks_in_the_container_the_readme_names(runs):
    """Each notebook's full-marks sample gets full marks in the setting's memory, and no process of it is killed
    for memory: when the fixtures or libraries grow past it, this fails before Gradescope does (raise
    REQUIRED_MEMORY_MIB and the setting it names). A peak is no margin: file pages count until the limit."""
    assert LIMITED_MB * 2**20 >= gradescope.REQUIRED_MEMORY_MIB * 2**20, "the setting passes the grader's own check"
    for notebook, sample in FULL_MARKS.items():
        run = runs[sample]
        assert run.data is not None and run.data["score"] == pytest.approx(_expected(sample)[1]), run
        assert run.oom_kills == 0, (notebook, run.peak_mib)


@needs_root
def test_a_never_ending_cell_is_stopped_and_named_and_the_answers_keep_their_marks(runs):
    """--timeout 60: a cell may run 15 s. The loop after question 1 is stopped; questions 2-4 still get full marks,
    and the output says which cell was stopped and after how long."""
    run = runs["infinite_loop.ipynb"]
    assert run.data is not None and run.data["score"] == pytest.approx(sum(samples.FULL1.values())), run
    assert re.search(r"code cell \d+ \(`while True:`\): cell \d+ was stopped after 15 s", run.data["output"]), run.data


@needs_root
def test_the_likely_mistakes_are_in_the_test_output_as_in_make_grade(runs):
    from bertcourse import mistakes

    lines = {f"{k.function}/{k.name}": k.says for f in mistakes.functions() for k in mistakes.known(f)}
    for sample, run in runs.items():
        shown = {}
        for test in run.data["tests"]:
            for line in test["output"].splitlines():
                if line.startswith("Likely mistake: "):
                    shown.setdefault(test["name"], []).append(line)
        expected = samples.MISTAKES.get(sample, {})
        assert sorted(line for found in shown.values() for line in found) == sorted(
            lines[m] for m in expected.values()), sample
    assert samples.MISTAKES["partial.ipynb"], "a Gradescope run covers a sample with likely mistakes"


def test_students_see_no_total_while_tests_are_hidden(runs):
    secrets = samples.hidden_only_lines()
    for sample, run in runs.items():
        data = run.data
        text = json.dumps(data)
        assert not [s for s in secrets if s in text], sample
        hidden = [t for t in data["tests"] if t["visibility"] != "visible"]
        assert hidden, "hidden test cases are listed"
        for test in hidden:  # a likely-mistake line is shown with the hidden result it explains, once published
            assert test["visibility"] == "after_published"
            verdict, *explained = test["output"].split("\n\n")
            assert verdict in ("hidden test passed", "hidden test failed"), test["output"]
            assert all(line.startswith("Likely mistake: ") for part in explained for line in part.splitlines())
        student_sees = [data["output"]] + [t["output"] for t in data["tests"] if t["visibility"] == "visible"]
        total, max_total = data["score"], _expected(sample)[1]
        assert not re.search(r"\d\s*/\s*\d", data["output"]) and "score:" not in data["output"].lower(), sample
        for shown in student_sees:
            assert f"{total:g} / {max_total:g}" not in shown and f"{total:g}/{max_total:g}" not in shown, sample
        assert "hidden tests are graded" in data["output"] and "published" in data["output"]


@needs_root
@needs_cgroups
@pytest.mark.parametrize("notebook", sorted(FULL_MARKS))
def test_at_gradescopes_default_768_mb_full_marks_or_a_loud_failure(venv, tmp_path, notebook):
    """Either the grading fits (full marks) or no score is posted and the instructor's output names the
    setting to choose."""
    sample = FULL_MARKS[notebook]
    run = run_autograder(tmp_path, venv, sample, memory_mb=GRADESCOPE_DEFAULT_MB)
    print(f"\n{sample} at {GRADESCOPE_DEFAULT_MB} MB, 1 CPU: rc {run.returncode}, {run.peak_mib:.0f} MiB, "
          f"{run.seconds:.1f} s")
    if run.returncode == 0:
        assert run.data is not None and run.data["score"] == pytest.approx(_expected(sample)[1]), run
        return
    assert run.data is None, "a container too small posts no score, 0 included"
    assert gradescope.GRADESCOPE_SETTING in run.stdout and "Autograder Settings" in run.stdout, run
    assert run.seconds < 30, "the check comes before the libraries are imported"


@needs_root
@needs_cgroups
def test_a_sandbox_killed_for_memory_posts_no_score(venv, tmp_path):
    """With the memory check bypassed, the sandbox is killed at 768 MB: a grader failure (no results.json,
    non-zero exit, the reason in the instructor's output), never a 0 for the student."""
    run = run_autograder(tmp_path, venv, FULL_MARKS[samples.NB1], memory_mb=GRADESCOPE_DEFAULT_MB,
                         env={gradescope.SKIP_MEMORY_CHECK: "1"})
    if run.returncode == 0 and run.data and run.data["score"] == pytest.approx(_expected(FULL_MARKS[samples.NB1])[1]):
        pytest.skip("the grading now fits in 768 MB: nothing is killed (lower REQUIRED_MEMORY_MIB, and this limit)")
    assert run.returncode != 0 and run.data is None, run
    assert run.oom_kills > 0 and "NOT GRADED" in run.stdout, run


@needs_root
def test_a_notebook_of_another_assignment_is_not_graded_and_gets_no_score(venv, tmp_path):
    """claims_notebook_2.ipynb (notebook 1's answers, metadata naming nb2_yelp_stars) uploaded to notebook 1's
    assignment: a message naming its assignment, no score anywhere, and no grading (it takes a second)."""
    run = run_autograder(tmp_path, venv, "claims_notebook_2.ipynb", notebook=samples.NB1, memory_mb=None)
    assert run.returncode == 0 and run.data is not None, run
    assert "score" not in run.data and all("score" not in t for t in run.data["tests"]), run.data
    assert samples.NB2 in run.data["output"] and "Not graded" in run.data["output"]
    assert run.data["tests"][0]["visibility"] == "visible" and samples.NB2 in run.data["tests"][0]["output"]
    assert run.seconds < 30


# ------------------------------------------------------------------ reading a container's memory limit
def _fake_proc(tmp_path: Path, cgroup: str, mounts: list[str]) -> Path:
    proc = tmp_path / "proc"
    proc.mkdir()
    (proc / "cgroup").write_text(cgroup)
    (proc / "mountinfo").write_text("\n".join(mounts) + "\n")
    return proc


def test_the_memory_limit_is_the_smallest_up_the_hierarchy_v1(tmp_path):
    mount = tmp_path / "memory"
    leaf = mount / "kubepods" / "pod1"
    leaf.mkdir(parents=True)
    (mount / "memory.limit_in_bytes").write_text("9223372036854771712\n")  # the root: unlimited
    (mount / "kubepods" / "memory.limit_in_bytes").write_text(f"{768 * 2**20}\n")
    (leaf / "memory.limit_in_bytes").write_text(f"{2048 * 2**20}\n")
    proc = _fake_proc(tmp_path, "5:memory:/kubepods/pod1\n1:cpu,cpuacct:/kubepods/pod1\n",
                      [f"30 25 0:27 / {mount} rw,nosuid - cgroup cgroup rw,memory"])
    assert gradescope.memory_limit_bytes(proc, usual=()) == 768 * 2**20
    assert "1.0 CPU, 1.5GB RAM" in gradescope.container_too_small(768 * 2**20)


def test_the_memory_limit_of_a_docker_style_mount_and_of_cgroup2(tmp_path):
    mount = tmp_path / "memory"  # Docker without a cgroup namespace: the container's cgroup is the mount's root
    mount.mkdir()
    (mount / "memory.limit_in_bytes").write_text(f"{1536 * 2**20}\n")
    proc = _fake_proc(tmp_path, "4:memory:/docker/abc\n",
                      [f"30 25 0:27 /docker/abc {mount} rw - cgroup cgroup rw,memory"])
    assert gradescope.memory_limit_bytes(proc, usual=()) == 1536 * 2**20
    assert gradescope.container_too_small(1536 * 2**20) is None

    unified = tmp_path / "unified"
    (unified / "job").mkdir(parents=True)
    (unified / "memory.max").write_text("max\n")
    (unified / "job" / "memory.max").write_text("max\n")
    (tmp_path / "v2").mkdir()
    proc = _fake_proc(tmp_path / "v2", "0::/job\n", [f"31 25 0:28 / {unified} rw - cgroup2 cgroup2 rw"])
    assert gradescope.memory_limit_bytes(proc, usual=()) is None, "no limit: fine"
    (unified / "job" / "memory.max").write_text(f"{805306368}\n")
    assert gradescope.memory_limit_bytes(proc, usual=()) == 805306368
    assert gradescope.memory_limit_bytes(tmp_path / "nothing", usual=()) is None, "undetectable: fine"
