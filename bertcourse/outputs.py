"""What graders and students read: grades.csv and one feedback file per submission.

Everything a submission can influence (its file name, its public-test failure messages) is made safe here:
no lone surrogates or control characters, bounded length, and CSV cells that a spreadsheet would read as a
formula (starting with = + - @ or a tab) are prefixed with a quote. Hidden tests appear only as passed /
failed; their code and messages never reach this module.
"""

from __future__ import annotations

import csv
import io
import os
import re
import unicodedata

from . import versions

STATUS_OK, STATUS_TIMEOUT = "ok", "timeout"
GRADER_FAILURE = "error: grader: "  # the grader's own failure: never cached, graded again, never the student's


def is_grader_failure(result: dict) -> bool:
    return str(result.get("status", "")).startswith(GRADER_FAILURE)
MESSAGE_CHARS = 1500


def display_name(file_name: str) -> str:
    """A file name as text (undecodable bytes as \\x.. escapes)."""
    return os.fsencode(file_name).decode("utf-8", "backslashreplace")


def safe_text(text: str, limit: int = MESSAGE_CHARS) -> str:
    text = text.encode("utf-8", "replace").decode("utf-8")  # lone surrogates -> '?'
    text = "".join(ch if ch in "\n\t" or unicodedata.category(ch)[0] != "C" else "�" for ch in text)
    if len(text) > limit:
        text = text[:limit] + f" [... {len(text) - limit} more characters]"
    return text


def csv_cell(value: str) -> str:
    """Neutralise spreadsheet formulas (CSV injection)."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def total_of(result: dict, questions: dict[str, float]) -> float:
    """The score of an `ok` result over `questions`, each question capped at its points (0 for other statuses)."""
    if result.get("status") != STATUS_OK:
        return 0.0
    return sum(min(float(result.get("questions", {}).get(q, 0.0)), points) for q, points in questions.items())


def csv_text(rows: list[tuple[str, dict]], assignments: dict) -> str:
    """grades.csv: file, notebook, status, one column per question of every notebook, total, max."""
    columns = [q for a in assignments.values() for q in a.questions]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["file", "notebook", "status", *columns, "total", "max"])
    for file_name, result in rows:
        assignment = assignments.get(result.get("notebook") or "")
        ok = result.get("status") == STATUS_OK
        cells = []
        for q in columns:
            if assignment is None or q not in assignment.questions:
                cells.append("")
            else:
                score = min(float(result.get("questions", {}).get(q, 0.0)), assignment.questions[q]) if ok else 0.0
                cells.append(f"{score:g}")
        total = total_of(result, assignment.questions) if assignment else 0.0
        writer.writerow([csv_cell(display_name(file_name)), result.get("notebook") or "",
                         csv_cell(safe_text(str(result.get("status", "")), 300)), *cells, f"{total:g}",
                         f"{assignment.max_total:g}" if assignment else ""])
    return buffer.getvalue()


def feedback_markdown(file_name: str, result: dict, assignment) -> str:
    name = safe_text(display_name(file_name), 300)
    status = safe_text(str(result.get("status", "")), 300)
    lines = [f"# Feedback: {name}", "", f"- Notebook: {result.get('notebook') or 'unknown'}", f"- Status: {status}"]
    if assignment is not None:
        lines.append(f"- Score: {total_of(result, assignment.questions):g} / {assignment.max_total:g}")
    lines.append("")
    if result.get("status") == STATUS_OK or "versions" in result:
        lines += versions.feedback_lines(versions.valid(result.get("versions")), versions.grading()) + [""]
    if result.get("status") == STATUS_TIMEOUT:
        lines.append("Grading stopped at the time limit (an endless loop or very slow code?). No points were given.")
    elif is_grader_failure(result):
        lines.append("The grader itself failed on this submission: this is not your notebook's fault. No points "
                     "were given yet; it is graded again on the next run.")
    elif result.get("status") != STATUS_OK:
        lines.append("This submission could not be graded, so no points were given. The status above says why.")
    else:
        if result.get("failed_cells"):
            lines.append(f"{result['failed_cells']} code cell(s) raised an error or ran out of time when your "
                         "notebook ran.")
            lines += cell_error_lines(result.get("cell_errors") or [])
        for question, points in assignment.questions.items():
            score = min(float(result.get("questions", {}).get(question, 0.0)), points)
            lines += ["", f"## {question}: {score:g} / {points:g}", ""]
            found = mistake_lines(result, question)
            lines += [safe_text(line, 600) for line in found] + ([""] if found else [])
            for test in [t for t in result.get("tests", []) if t.get("question") == question]:
                if test.get("hidden"):
                    lines.append(f"- hidden test {'passed' if test.get('passed') else 'failed'}")
                elif test.get("passed"):
                    lines.append(f"- `{safe_text(str(test.get('name')), 100)}`: passed")
                else:
                    message = safe_text(str(test.get("message", "")).strip() or "failed").replace("```", "'''")
                    lines += [f"- `{safe_text(str(test.get('name')), 100)}`: failed", "", "  ```",
                              *("  " + line for line in message.splitlines()), "  ```", ""]
    return "\n".join(lines).rstrip() + "\n"


def mistake_lines(result: dict, question: str) -> list[str]:
    """The question's `Likely mistake:` lines (bertcourse/mistakes/): made by the grader, never the student."""
    return [str(m.get("line", "")) for m in result.get("mistakes") or []
            if isinstance(m, dict) and m.get("question") == question]


NO_GPU_HINT = ("Grading runs on a computer without a GPU. Put models and tensors on `device` (the set-up cell "
               "defines it: the GPU in Colab, the CPU at grading) instead of writing \"cuda\".")


def needs_a_gpu(error: dict) -> bool:
    """Whether a cell's error is PyTorch finding no GPU (a model or tensor placed on "cuda")."""
    text = f"{error.get('type', '')}: {error.get('message', '')}"
    return bool(re.search(r"CUDA|cuda|NVIDIA driver", text))


def cell_error_lines(errors: list[dict]) -> list[str]:
    """One line per failed cell (the student's own code and error message), and why a "cuda" cell failed."""
    lines = []
    for error in errors:
        where = f"code cell {error.get('cell')}"
        if error.get("first_line"):
            where += f" (`{safe_text(str(error['first_line']), 80).replace('`', chr(39))}`)"
        if error.get("type") == "CellStopped":  # the sandbox's own words, not an exception of the student's
            seconds = re.sub(r"[^0-9.]", "", str(error.get("message", "")))[:12] or "?"
            lines.append(f"- {where}: cell {error.get('cell')} was stopped after {seconds} s (the time one cell may "
                         "take at grading); the cells after it still ran")
            continue
        message = safe_text(f"{error.get('type', 'Error')}: {error.get('message', '')}", 300).replace("`", "'")
        lines.append(f"- {where}: {' '.join(message.split())}")
    if any(needs_a_gpu(error) for error in errors):
        lines += ["", NO_GPU_HINT]
    return lines


def feedback_name(file_name: str, used: set[str]) -> str:
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", display_name(file_name)).lstrip(".")[:120] or "submission"
    name, i = f"{stem}.md", 1
    while name in used:
        i += 1
        name = f"{stem}-{i}.md"
    used.add(name)
    return name
