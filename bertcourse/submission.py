"""Reading a submission file: which notebook it is and which code cells to run. Nothing here runs its code.

Accepted: an .ipynb (nbformat 4, or 3, converted the way Jupyter converts it: what runs is exactly what
Jupyter would show), or an otter export .zip holding one notebook (its other files, e.g. an edited tests/
folder, are ignored). Anything else is `Rejected` with a reason that becomes the row's status.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path

MAX_NOTEBOOK_BYTES = 50_000_000


class Rejected(Exception):
    """A submission that cannot be graded: becomes an `error: ...` row."""


def read_notebook(data: bytes, file_name: str) -> dict:
    """The submission's notebook (nbformat 4 dict) from the bytes of an .ipynb or an otter export zip."""
    if file_name.lower().endswith(".zip") or data[:4] == b"PK\x03\x04":
        data = _notebook_from_zip(data)
    if len(data) > MAX_NOTEBOOK_BYTES:
        raise Rejected("the notebook is larger than 50 MB")
    try:
        nb = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise Rejected("not a valid notebook (not JSON)") from None
    if not isinstance(nb, dict):
        raise Rejected("not a valid notebook")
    if nb.get("nbformat") == 3 or "worksheets" in nb:
        nb = _from_v3(nb)
    if not isinstance(nb.get("cells"), list):
        raise Rejected("not a valid notebook (no cells)")
    return nb


def _notebook_from_zip(data: bytes) -> bytes:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            names = [n for n in zf.namelist() if n.endswith(".ipynb") and not n.startswith("__MACOSX")
                     and not Path(n).name.startswith(".") and ".ipynb_checkpoints" not in n]
            if not names:
                raise Rejected("no notebook in the zip")
            if len(names) > 1:
                top = [n for n in names if "/" not in n]
                if len(top) != 1:
                    raise Rejected(f"more than one notebook in the zip ({len(names)})")
                names = top
            info = zf.getinfo(names[0])
            if info.file_size > MAX_NOTEBOOK_BYTES:
                raise Rejected("the notebook in the zip is larger than 50 MB")
            return zf.read(info)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError, ValueError) as error:
        raise Rejected(f"not a valid zip ({type(error).__name__})") from None


def _from_v3(nb: dict) -> dict:
    """nbformat 3 -> 4 with nbformat's own converter (what Jupyter opens), so the cells graded are the cells shown."""
    import nbformat

    try:
        return json.loads(nbformat.writes(nbformat.reads(json.dumps(nb), as_version=4)))
    except Exception:  # noqa: BLE001
        raise Rejected("not a valid notebook (an nbformat 3 file that cannot be converted)") from None


def _source(cell: dict) -> str:
    source = cell.get("source", "")
    if isinstance(source, list):
        source = "".join(s for s in source if isinstance(s, str))
    return source if isinstance(source, str) else ""


def _tags(cell: dict) -> list[str]:
    metadata = cell.get("metadata")
    tags = metadata.get("tags") if isinstance(metadata, dict) else None
    return [t for t in tags if isinstance(t, str)] if isinstance(tags, list) else []


def normalized(source: str) -> str:
    return re.sub(r"\s+", " ", source).strip()


def cells_to_run(nb: dict, ignored_sources: list[str]) -> list[str]:
    """The code cells grading runs, in order: all but those tagged `otter_ignore` or equal to one of the
    master's ignored cells (downloads and training a student's copy may have lost the tag of)."""
    ignored = {normalized(s) for s in ignored_sources}
    cells = []
    for cell in nb["cells"]:
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        source = _source(cell)
        if "otter_ignore" in _tags(cell) or normalized(source) in ignored or not source.strip():
            continue
        cells.append(source)
    return cells


def claimed_name(nb: dict | None) -> str | None:
    """metadata.otter.assignment_name, if it is a string (otter's convention; anything else is ignored)."""
    metadata = (nb or {}).get("metadata")
    otter = metadata.get("otter") if isinstance(metadata, dict) else None
    name = otter.get("assignment_name") if isinstance(otter, dict) else None
    return name if isinstance(name, str) else None


def pick_assignment(file_name: str, nb: dict | None, known: list[str]) -> str | None:
    """The notebook a submission is graded as: its metadata's name if that is a course notebook, else the
    longest course notebook name found in its file name, else None."""
    name = claimed_name(nb)
    if name in known:
        return name
    for candidate in sorted(known, key=len, reverse=True):
        if candidate in file_name:
            return candidate
    return None
