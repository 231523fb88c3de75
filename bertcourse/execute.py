"""Run a notebook top to bottom, offline, the way a student would (all cells, in order)."""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from . import paths
from .release import offline_env

COLLECT_MARKER = "__BERTCOURSE_COLLECT__"


COLLECT_ALL = """\
import json as _json
def _jsonable(value):
    try:
        _json.dumps(value)
        return True
    except (TypeError, ValueError):
        return False
print({marker!r} + _json.dumps({{k: v for k, v in globals().items() if k[0] != "_" and k not in ("In", "Out")
    and isinstance(v, (bool, int, float, str, list, dict)) and _jsonable(v)}}))"""


def link_course_data(folder: Path) -> None:
    """Make `folder` look like a notebook's working folder (as in the grader): links to the offline fixtures
    and to the support folders shipped beside the masters (our `metrics/` module), so relative ids resolve."""
    (folder / paths.OFFLINE.name).symlink_to(paths.OFFLINE)
    for support in ("metrics",):
        if (paths.SOLUTIONS / support).exists():
            (folder / support).symlink_to(paths.SOLUTIONS / support)


def private_kernel(folder: Path):
    """A kernel reached through socket files in `folder` (IPC transport), not TCP ports: two runs side by side
    can never connect to each other's kernel, and nothing else on the machine can connect to it at all."""
    from jupyter_client import KernelManager

    return KernelManager(kernel_name="python3", transport="ipc", ip=str(folder / "kernel"),
                         connection_file=str(folder / "kernel.json"))


def execute_notebook(path: Path, out: Path | None = None, timeout_per_cell: int = 600,
                     collect: tuple[str, ...] | str = (),
                     allow_errors: bool = False) -> tuple[nbformat.NotebookNode, float, dict]:
    """Execute `path` in a scratch folder that holds a link to the offline fixtures (so training
    outputs never land in the repo). Returns the executed notebook, the wall time in seconds and the
    values of the global names in `collect` (JSON-able: numbers, strings, lists, dicts); `collect="*"`
    returns every such global. Raises nbclient's CellExecutionError on the first failing cell, unless
    `allow_errors` (then every cell runs, as when a student runs a notebook with unfinished answers)."""
    nb = nbformat.read(path, as_version=4)
    if collect == "*":
        nb.cells.append(nbformat.v4.new_code_cell(COLLECT_ALL.format(marker=COLLECT_MARKER)))
    elif collect:
        names = json.dumps(list(collect))
        nb.cells.append(nbformat.v4.new_code_cell(
            f"import json as _json\nprint({COLLECT_MARKER!r} + _json.dumps("
            f"{{n: globals()[n] for n in {names}}}, default=float))"))
    with tempfile.TemporaryDirectory(prefix="nbrun-") as work:
        link_course_data(Path(work))
        kernel = private_kernel(Path(work))
        client = NotebookClient(nb, km=kernel, timeout=timeout_per_cell, allow_errors=allow_errors,
                                resources={"metadata": {"path": work}})
        start = time.monotonic()
        try:
            client.execute(env=offline_env(Path(work)))
        finally:
            if kernel.has_kernel:
                kernel.shutdown_kernel(now=True)
        seconds = time.monotonic() - start
    values = {}
    if collect:
        text = outputs_text(nbformat.v4.new_notebook(cells=[nb.cells.pop()]))
        values = json.loads(text.split(COLLECT_MARKER, 1)[1])
    if out is not None:
        nbformat.write(nb, out)
    return nb, seconds, values


def outputs_text(nb: nbformat.NotebookNode) -> str:
    """All stream and error text a notebook printed, for checks on warnings and prompts. Consecutive chunks of
    one cell's stream are one text: a kernel flushes stdout whenever it likes, mid-line under load."""
    chunks = []
    for cell in nb.cells:
        previous_stream = None
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream":
                if output.get("name") == previous_stream:
                    chunks[-1] += output.get("text", "")
                else:
                    chunks.append(output.get("text", ""))
                previous_stream = output.get("name")
                continue
            previous_stream = None
            if output.get("output_type") == "error":
                chunks.append("\n".join(output.get("traceback", [])))
    return "\n".join(chunks)
