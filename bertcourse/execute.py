"""Run a notebook top to bottom, offline by default, the way a student would (all cells, in order)."""

from __future__ import annotations

import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from .release import offline_env


def execute_notebook(path: Path, out: Path | None = None, timeout_per_cell: int = 600,
                     skip_tags: tuple[str, ...] = ()) -> tuple[nbformat.NotebookNode, float]:
    """Execute `path` in its own folder (so relative paths such as offline/ resolve) and return the
    executed notebook and the wall time in seconds. Raises nbclient's CellExecutionError on the first
    failing cell. Cells tagged with any of `skip_tags` are left out."""
    nb = nbformat.read(path, as_version=4)
    if skip_tags:
        nb.cells = [c for c in nb.cells if not set(skip_tags) & set(c.metadata.get("tags", []))]
    client = NotebookClient(nb, timeout=timeout_per_cell, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    env = offline_env()
    start = time.monotonic()
    client.execute(env=env)
    seconds = time.monotonic() - start
    if out is not None:
        nbformat.write(nb, out)
    return nb, seconds


def outputs_text(nb: nbformat.NotebookNode) -> str:
    """All stream and error text a notebook printed, for checks on warnings and prompts."""
    chunks = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream":
                chunks.append(output.get("text", ""))
            elif output.get("output_type") == "error":
                chunks.append("\n".join(output.get("traceback", [])))
    return "\n".join(chunks)
