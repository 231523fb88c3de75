"""requirements.txt (Make/CI) and environment.yml (conda) pin the same packages, and they are what runs."""

from __future__ import annotations

import re
from importlib import metadata

from bertcourse import paths

REQUIRED = {"transformers", "datasets", "evaluate", "accelerate", "torch", "numpy", "scikit-learn", "seqeval",
            "jupyter", "otter-grader", "pytest"}


def _pins(text: str) -> dict[str, str]:
    return dict(re.findall(r"^\s*(?:-\s+)?([A-Za-z0-9_.\-]+)==([^\s#]+)", text, re.M))


def test_pip_and_conda_pins_agree():
    pip_pins = _pins((paths.REPO / "requirements.txt").read_text())
    conda_pins = _pins((paths.REPO / "environment.yml").read_text())
    assert pip_pins == conda_pins
    assert REQUIRED <= pip_pins.keys()
    assert pip_pins["torch"] == "2.13.0"
    assert pip_pins["transformers"].startswith("5.") and pip_pins["datasets"].startswith("5.")


def test_installed_versions_match_the_pins():
    for name, version in _pins((paths.REPO / "requirements.txt").read_text()).items():
        installed = metadata.version(name)
        assert installed.split("+")[0] == version, f"{name}: installed {installed}, pinned {version}"
