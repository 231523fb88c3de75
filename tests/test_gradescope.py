"""A simulated Gradescope run of the autograder zips: the same scores as `make grade`, from what the zip declares.

Gradescope builds one image per assignment by running the zip's setup.sh, then runs run_autograder as root
once per submission with the zip in /autograder/source and the student's files in /autograder/submission.
Here: the zip's own setup.sh builds a fresh virtual environment from ONLY the zip's requirements.txt (with a
python3.11 already on the machine instead of the miniforge one it installs on Gradescope, and pip's own index
instead of PyTorch's; cached between runs under /var/tmp, keyed by what the zip declares), and the zip's own
run_autograder grades sample submissions in that layout under a temporary root. Expected scores are the rows
test_batch_grading.py asserts for `make grade` (tests/samples.py). One run uses `--sandbox uid`, the fallback
for a container where bubblewrap cannot run.
"""

from __future__ import annotations

import concurrent.futures
import hashlib
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from filelock import FileLock

import samples
from bertcourse import paths, release
from bertcourse.sandbox import bwrap_usable

CACHE = Path("/var/tmp/bertcourse-gradescope")
RUNS = {  # sample -> sandbox (uid: no namespaces, so there a submission could read this machine's repository)
    "partial.ipynb": "auto",
    "attack_leak_hidden.ipynb": "auto",
    "nb2_yelp_stars_evaluate_load.ipynb": "auto",
    "attack_check_results_edited.ipynb": "uid",
}

pytestmark = pytest.mark.skipif(bwrap_usable() is not None or os.geteuid() != 0,
                                reason="Gradescope runs run_autograder as root; the simulation needs root and "
                                       f"bubblewrap ({bwrap_usable()})")


def _python311() -> str:
    """A python3.11 every user can read (submissions run as other users): the system's, else this one's."""
    for candidate in ("/usr/bin/python3.11", shutil.which("python3.11") or "", sys.executable):
        if candidate and Path(candidate).exists():
            return candidate
    raise AssertionError("no python3.11")


@pytest.fixture(scope="module")
def venv() -> Path:
    """The grading environment the zip's setup.sh builds from the zip's requirements.txt (cached)."""
    zip_path = release.zip_path("nb1_zero_shot")
    with zipfile.ZipFile(zip_path) as zf:
        declared = zf.read("requirements.txt") + zf.read("setup.sh")
    python = _python311()
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


def run_autograder(tmp: Path, venv: Path, sample: str, sandbox: str) -> dict:
    """Gradescope's layout under `tmp`, the zip of the sample's notebook, then the zip's run_autograder."""
    _, notebook, _ = samples.EXPECTED[sample]
    root = tmp / Path(sample).stem / "autograder"
    (root / "submission").mkdir(parents=True)
    (root / "results").mkdir()
    with zipfile.ZipFile(release.zip_path(notebook)) as zf:
        zf.extractall(root / "source")
    shutil.copy(samples.FOLDER / sample, root / "submission" / sample)
    env = {"PATH": os.environ["PATH"], "AUTOGRADER_ROOT": str(root), "BERTCOURSE_VENV": str(venv), "HOME": "/root"}
    if sandbox != "auto":
        env["BERTCOURSE_SANDBOX"] = sandbox
    done = subprocess.run(["bash", str(root / "source" / "run_autograder")], env=env, capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    return json.loads((root / "results" / "results.json").read_text())


@pytest.fixture(scope="module")
def results(venv, tmp_path_factory) -> dict[str, dict]:
    tmp = tmp_path_factory.mktemp("gradescope")
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        futures = {sample: pool.submit(run_autograder, tmp, venv, sample, sandbox) for sample, sandbox in RUNS.items()}
        return {sample: future.result() for sample, future in futures.items()}


def test_the_zip_declares_every_package_the_notebooks_need():
    from test_environment import REQUIRED, _pins

    for name in (paths.release_name(m) for m in paths.masters()):
        with zipfile.ZipFile(release.zip_path(name)) as zf:
            pins = _pins(zf.read("requirements.txt").decode())
            conda = _pins(zf.read("environment.yml").decode())
            assert "otter_config.json" in zf.namelist() and "run_otter.py" in zf.namelist(), "otter run keeps working"
        repo = _pins((paths.REPO / "requirements.txt").read_text())
        assert pins == conda, "environment.yml and requirements.txt of the zip differ"
        assert REQUIRED - {"pytest", "jupyter"} <= pins.keys()
        assert pins["torch"] == repo["torch"] + "+cpu", "the CPU-only build of PyTorch (no CUDA wheels)"
        assert all(pins[p].split("+")[0] == repo[p] for p in pins), "the zip pins the course's versions"


@pytest.mark.parametrize("sample", sorted(RUNS))
def test_gradescope_scores_equal_make_grade(results, sample):
    data = results[sample]
    _, notebook, scores = samples.EXPECTED[sample]
    expected = sum((scores or {}).values())
    assert data["score"] == pytest.approx(expected), data
    max_total = sum(({**samples.FULL, samples.NB1: samples.FULL1}[notebook]).values())
    assert sum(t["max_score"] for t in data["tests"]) == pytest.approx(max_total)
    assert sum(t["score"] for t in data["tests"]) == pytest.approx(expected)


def test_hidden_tests_stay_hidden_until_published(results):
    secrets = samples.hidden_only_lines()
    for sample, data in results.items():
        text = json.dumps(data)
        assert not [s for s in secrets if s in text], sample
        hidden = [t for t in data["tests"] if t["visibility"] != "visible"]
        assert hidden, "hidden test cases are listed"
        for test in hidden:
            assert test["visibility"] == "after_published"
            assert test["output"] in ("hidden test passed", "hidden test failed")
