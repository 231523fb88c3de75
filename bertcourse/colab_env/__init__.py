"""Google Colab's package list, committed: what the set-up cell must leave alone (tests/test_colab.py).

`pip-freeze.gpu.txt` and `os-info-gpu.txt` are verbatim copies of the files Google publishes in the repository
googlecolab/backend-info (its GPU runtime: Python, CUDA build of torch, every pip package with its version);
`source.json` says which commit they come from. Refresh them when Colab upgrades:

    python -m bertcourse.colab_env refresh [--ref main]

It needs api.github.com and raw.githubusercontent.com (the course's CI machines cannot reach them: run it on
your own machine, review the diff, then run tests/test_colab.py and commit).
"""

from __future__ import annotations

import json
import re
import urllib.request
from pathlib import Path

HERE = Path(__file__).parent
REPO = "googlecolab/backend-info"
FILES = ("pip-freeze.gpu.txt", "os-info-gpu.txt")
SOURCE = HERE / "source.json"


def canonical(name: str) -> str:
    """PEP 503 name: `PyYAML` and `pyyaml`, `jupyter_core` and `jupyter-core` are one package."""
    return re.sub(r"[-_.]+", "-", name).lower()


def pins() -> dict[str, str]:
    """Colab's `name==version` lines, by canonical name. Lines installed from a URL (google-colab itself, a
    few CUDA packages) have no version on PyPI and are left out."""
    found = {}
    for line in (HERE / "pip-freeze.gpu.txt").read_text().splitlines():
        name, sep, version = line.partition("==")
        if sep and not line.startswith("#"):
            found[canonical(name.strip())] = version.strip()
    return found


def python_version() -> str:
    """Colab's Python, e.g. "3.13.15" (os-info-gpu.txt has a line "Python 3.13.15")."""
    text = (HERE / "os-info-gpu.txt").read_text()
    return re.search(r"^Python (\S+)", text, re.MULTILINE).group(1)


def source() -> dict[str, str]:
    return json.loads(SOURCE.read_text())


def _get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=60) as response:
        return response.read()


def refresh(ref: str = "main", folder: Path = HERE) -> dict[str, str]:
    """Download both files at the newest commit of `ref` that touched them, and record that commit."""
    commits = json.loads(_get(f"https://api.github.com/repos/{REPO}/commits?sha={ref}&path={FILES[0]}&per_page=1"))
    commit = commits[0]
    for name in FILES:  # from that exact commit, so the files and source.json always agree
        (folder / name).write_bytes(_get(f"https://raw.githubusercontent.com/{REPO}/{commit['sha']}/{name}"))
    info = {"repository": f"https://github.com/{REPO}", "commit": commit["sha"],
            "date": commit["commit"]["committer"]["date"], "message": commit["commit"]["message"].splitlines()[0],
            "files": list(FILES)}
    (folder / SOURCE.name).write_text(json.dumps(info, indent=2) + "\n")
    return info
