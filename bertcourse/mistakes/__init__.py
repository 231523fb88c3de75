"""Likely-mistake feedback: which of the course's known wrong answers a student's function behaves like.

The course keeps, for each graded function with well-known misconceptions, reference wrong implementations:
one file each under bertcourse/mistakes/<function>/, defining the function and `LIKELY_MISTAKE` (what it does
and what the question asks, in the notebook's words). tests/ grades every one of them with the hidden tests
(each must lose points) and checks that each gets its own line here.

At grading, for a question that lost points, the trusted grading process (never the sandbox) calls the
student's function on probe inputs of its own (bertcourse/mistakes/probes.py, never a hidden test's) through a
test process, like a test does, and reads back plain outputs. It runs the right answer (the master's
solution, shipped in the grader-only tests/reference-answers.json) and every wrong implementation on the same
probes, here. When the student's outcomes equal one wrong implementation's and not the right answer's, the
result gets that file's line. The line is fixed text: no probe, input or expected value is in it, and it never
changes a score.
"""

from __future__ import annotations

import ast
import time
from dataclasses import dataclass
from pathlib import Path

from . import probes

HERE = Path(__file__).resolve().parent
PREFIX = "Likely mistake: "


@dataclass(frozen=True)
class Known:
    """One wrong implementation the course keeps."""

    function: str
    name: str  # the file's stem
    says: str  # the feedback line, PREFIX included
    source: str


def functions() -> list[str]:
    """The functions the course keeps wrong implementations of."""
    return sorted(p.name for p in HERE.iterdir() if p.is_dir() and not p.name.startswith("_") and any(p.glob("*.py")))


def known(function: str) -> list[Known]:
    out = []
    for path in sorted((HERE / function).glob("*.py")):
        source = path.read_text()
        says = next(ast.literal_eval(node.value) for node in ast.parse(source).body if isinstance(node, ast.Assign)
                    and any(getattr(t, "id", None) == "LIKELY_MISTAKE" for t in node.targets))
        out.append(Known(function, path.stem, PREFIX + " ".join(says.split()), source))
    return out


def function_of(question: str) -> str | None:
    """The function a question grades, by the course's naming (q3_apply_bert grades apply_bert)."""
    name = question.split("_", 1)[1] if "_" in question else ""
    return name if (HERE / name).is_dir() else None


def _defined(source: str, function: str, context: dict):
    namespace = dict(context)
    exec(compile(source, f"<{function}>", "exec"), namespace)  # the course's own code: trusted
    return namespace[function]


def _outcomes(call, arguments: list[tuple], function: str) -> list:
    """What `call` gives on each probe: the plain view of its value, or the type of error it raised."""
    out = []
    for args in arguments:
        try:
            out.append(("value", probes.view(function, call(*probes.copied(args)))))
        except Exception as error:  # noqa: BLE001 - a probe's error is an outcome like any other
            out.append(("raised", probes.error_type(error)))
    return out


def _student_outcomes(remote, arguments: list[tuple], function: str, error_class) -> list:
    out = []
    for args in arguments:
        try:
            out.append(("value", probes.view(function, remote(*args))))
        except error_class as error:
            kind = probes.student_error_type(str(error))
            if kind is None:  # it hung, died or sent back something unreadable: no comparison to make
                return []
            out.append(("raised", kind))
    return out


MARGIN_SECONDS = 30.0  # probing starts only with this much of the submission's time left, and ends before it


def find(notebook: str, lost: list[str], reference_answers: dict[str, str], open_remote, error_class,
         deadline: float) -> list[dict]:
    """[{question, mistake, line}] for the questions in `lost` (those that lost points) whose function behaves
    like one known wrong implementation. `open_remote(function, until)` gives (the student's function as a
    callable that runs in a fresh test process until `until` at the latest, close); `error_class` is what it
    raises for the student's errors. Our own implementations run first, so the student's calls are the last
    step and end `MARGIN_SECONDS / 2` before the deadline: probing never makes a submission time out."""
    found = []
    for question in lost:
        function = function_of(question)
        if function is None or function not in reference_answers or deadline - time.monotonic() < MARGIN_SECONDS:
            continue
        context = probes.context(notebook, function)
        arguments = probes.arguments(notebook, function, context)
        right = _outcomes(_defined(reference_answers[function], function, context), arguments, function)
        wrongs = [(wrong, _outcomes(_defined(wrong.source, function, context), arguments, function))
                  for wrong in known(function)]
        remote, close = open_remote(function, deadline - MARGIN_SECONDS / 2)
        try:
            student = _student_outcomes(remote, arguments, function, error_class) if remote else []
        finally:
            close()
        if not student or student == right:
            continue
        match = next((wrong for wrong, outcomes in wrongs if outcomes == student), None)
        if match is not None:
            found.append({"question": question, "mistake": f"{function}/{match.name}", "line": match.says})
    return found
