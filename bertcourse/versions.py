"""Which versions a notebook ran with, and how they differ from the grading environment's.

The student copy's set-up cell shows a record of them as one output of its own (MIME type `MIME`), so the
record is saved in the .ipynb with the notebook. Grading reads it as data (JSON in the file, never run) and
the feedback and report.html show where it differs from the grader's versions, so a "works in Colab, fails at
grading" complaint can be answered from the row. A missing or malformed record is simply "unknown".
"""

from __future__ import annotations

import importlib.metadata
import platform

MIME = "application/vnd.bertcourse.versions+json"
FIELDS = ("python", "torch", "transformers", "datasets", "tokenizers", "gpu")
MAX_CHARS = 100
TEXT_PREFIX = "Versions: "  # how the set-up cell's output starts in text (bertcourse/colab.py, show_versions)


def recorded(nb: dict | None) -> dict[str, str] | None:
    """The last version record among the notebook's outputs, or None (missing or malformed: "unknown"). Where a
    front end kept only the output's text ("Versions: python 3.12.12, torch 2.8.0+cu126, ..."), that is read."""
    found = shown = None
    for cell in (nb or {}).get("cells") or []:
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        for output in cell.get("outputs") or []:
            data = output.get("data") if isinstance(output, dict) else None
            if isinstance(data, dict) and MIME in data:
                found = data[MIME]
            elif isinstance(data, dict) and isinstance(data.get("text/plain"), (str, list)):
                text = data["text/plain"] if isinstance(data["text/plain"], str) else "".join(map(str, data["text/plain"]))
                shown = _from_text(text) or shown
    return valid(found) if found is not None else valid(shown)


def _from_text(text: str) -> dict[str, str] | None:
    """The record as the set-up cell's output shows it in text: "Versions: name version, name version, ..."."""
    if not text.startswith(TEXT_PREFIX) or len(text) > 1000:
        return None
    record = {}
    for part in text[len(TEXT_PREFIX):].strip().split(", "):
        name, _, version = part.partition(" ")
        if name in FIELDS and version:
            record[name] = version
    return record or None


def valid(record) -> dict[str, str] | None:
    if not isinstance(record, dict):
        return None
    out = {}
    for field in FIELDS:
        value = record.get(field)
        if value is None:
            out[field] = "none" if field == "gpu" else "unknown"
        elif isinstance(value, str) and 0 < len(value) <= MAX_CHARS and value.isprintable():
            out[field] = value
        else:
            return None
    return out


def grading() -> dict[str, str]:
    """This environment's versions (the sandbox runs the same interpreter and packages); grading has no GPU."""
    out = {"python": platform.python_version()}
    for package in FIELDS[1:-1]:
        try:
            out[package] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            out[package] = "not installed"
    out["gpu"] = "none"
    return out


def drift(student: dict[str, str] | None, grader: dict[str, str]) -> list[tuple[str, str, str]] | None:
    """(field, the student's version, the grader's) for each field that differs; None when the whole record is
    unknown. A field the record could not tell ("unknown") is no difference, and neither is a local build
    suffix (torch's "+cu126", "+cpu"): the library's code is the same."""
    if student is None:
        return None
    return [(field, student[field], grader[field]) for field in FIELDS
            if student[field] != "unknown" and differs(student[field], grader[field])]


def differs(mine: str, theirs: str) -> bool:
    return mine.split("+")[0] != theirs.split("+")[0]


def feedback_lines(student: dict[str, str] | None, grader: dict[str, str]) -> list[str]:
    """The feedback's lines on versions."""
    differences = drift(student, grader)
    if differences is None:
        return ["Versions your notebook ran with: unknown (the set-up cell's record is not in the file: run the "
                "set-up cell, then save)."]
    if not differences:
        return ["Versions your notebook ran with: the same as at grading."]
    lines = ["Versions your notebook ran with, where they differ from grading's:"]
    lines += [f"- {field}: {mine} in your notebook, {theirs} at grading" for field, mine, theirs in differences]
    return lines
