"""The verdicts: the hidden and public tests of one submission, run in the grader, never in the student's process.

The tests are the otter test files built from the masters (autograder/<name>/tests/*.py), loaded and scored
with otter's own classes (ExceptionTestFile, its points and partial credit). What differs from `otter run` is
where they run: here, in the trusted grading process. A test's parameters (`def test_x(concatenate_mask)`)
are stand-ins for the student's names: calling one sends the arguments as plain data to a fresh test process
in the sandbox (bertcourse/sandboxed/student_side.py), which calls the student's real function and sends back the result
as plain data (bertcourse/boundary/plain.py). The test then compares with Python's own operations on plain values, so
nothing the student defined runs here: a patched builtin, an `__eq__` that always says True, an edited otter
object or a rewritten results file in the sandbox has nothing to act on.

Each test case gets its own test process (a fork of the finished notebook): a case that hangs or kills its
process costs that case only. Every public case runs before any hidden one, so no public message (the only
messages a student sees) can hold anything of a hidden case's arguments. A case that failed that way (out of time, its process gone) is marked
`cut_short`: that verdict depends on the machine as well as on the answer, so the batch grader confirms it
(bertcourse/batch.py). Messages of hidden tests never leave this module.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Mapping
from pathlib import Path

from .boundary import plain
from .boundary.channel import Channel, ChannelClosed, ChannelTimeout
from .outputs import GRADER_FAILURE

CASE_SHARE = 1 / 6  # one test case, all its calls together, may use this share of the submission's time limit
STATUS_OK, STATUS_TIMEOUT = "ok", "timeout"
DIED = "error: the notebook's process died (os._exit, a crash or the memory limit)"


class StudentError(Exception):
    """The student's code raised, hung, died, or returned something that cannot be sent as plain data."""


class _TestProcess:
    """The connection to one test process in the sandbox."""

    def __init__(self, main: Channel, deadline: float):
        self.main, self.deadline = main, deadline
        main.send({"op": "test"})
        answer = main.receive(timeout=min(30.0, self._left()))
        fds = main.take_fds()
        if not answer.get("ok") or len(fds) != 1:
            for fd in fds:
                socket.socket(fileno=fd).close()
            raise StudentError(str(answer.get("error") or "no test process could be started")[:300])
        self.pid = int(answer.get("pid", 0))
        self.channel = Channel(socket.socket(fileno=fds[0]))
        self.broken = False
        self.cut_short = False  # ran out of time or lost its process: a verdict about the machine too

    def _left(self) -> float:
        return max(0.0, self.deadline - time.monotonic())

    def request(self, message: dict, what: str) -> dict:
        if self.broken:
            raise StudentError(f"{what}: the test process had already stopped")
        try:
            self.channel.send(message)
            return self.channel.receive(timeout=self._left() + 2)
        except ChannelTimeout:
            self.broken = self.cut_short = True
            raise StudentError(f"{what} did not finish in time") from None
        except (ChannelClosed, OSError):
            self.broken = self.cut_short = True
            raise StudentError(f"{what} stopped the notebook's process (os._exit, a crash or the memory limit)") from None
        except ValueError as error:
            self.broken = True
            raise StudentError(f"{what} sent back something unreadable ({error})") from None

    def close(self) -> None:
        try:
            self.main.send({"op": "done", "pid": self.pid})
        except OSError:
            pass
        self.channel.close()


class RemoteFunction:
    """Stands in for a function of the student's notebook; calling it calls the real one in the sandbox."""

    def __init__(self, process: _TestProcess, name: str):
        self._process, self._name = process, name

    def __call__(self, *args, **kwargs):
        what = f"{self._name}(...)"
        try:
            message = {"op": "call", "name": self._name, "args": plain.encode(list(args)),
                       "kwargs": plain.encode(kwargs), "timeout": self._process._left()}
        except plain.NotPlain as error:  # a test passing something unsendable is a bug in the test
            raise RuntimeError(f"the test cannot send its arguments: {error}") from None
        answer = self._process.request(message, what)
        if not answer.get("ok"):
            error = answer.get("error") if isinstance(answer.get("error"), dict) else {}
            kind, text = str(error.get("type", "Error"))[:100], str(error.get("message", ""))[:2000]
            if kind == "TimeoutError" and text.startswith("did not return within"):  # the sandbox's own deadline
                self._process.cut_short = True
            raise StudentError(f"{what} raised {kind}: {text}" if kind != "TimeoutError" else f"{what} {text}")
        try:
            return plain.decode(answer.get("value"))
        except (plain.NotPlain, ValueError, TypeError, RecursionError) as error:
            raise StudentError(f"{what} returned something that is not plain data ({error})") from None

    def __repr__(self):
        return f"<your function {self._name}>"


class Missing:
    """A name the notebook does not define: any use says so."""

    def __init__(self, name: str):
        self._name = name

    def _fail(self, *args, **kwargs):
        raise NameError(f"{self._name} is not defined in your notebook")

    __call__ = _fail

    def __getattr__(self, attribute):
        self._fail()

    def __repr__(self):
        return f"<{self._name}: not defined>"


class Namespace(Mapping):
    """The notebook's globals as a test sees them (otter passes `namespace.get(parameter)` to the test)."""

    def __init__(self, process: _TestProcess):
        self._process = process

    def get(self, name, default=None):
        return self[name]

    def __getitem__(self, name):
        name = str(name)
        answer = self._process.request({"op": "lookup", "name": name}, f"looking up {name}")
        kind = answer.get("kind")
        if kind == "function":
            return RemoteFunction(self._process, name)
        if kind == "value":
            try:
                return plain.decode(answer.get("value"))
            except (plain.NotPlain, ValueError, TypeError, RecursionError) as error:
                raise StudentError(f"{name} is not plain data ({error})") from None
        if kind == "error":
            error = answer.get("error") if isinstance(answer.get("error"), dict) else {}
            raise StudentError(f"{name} cannot be sent to the grader: {str(error.get('message', ''))[:500]}")
        return Missing(name)

    def __iter__(self):
        return iter(())

    def __len__(self):
        return 0


def _run_case(main: Channel, test_file, case, deadline: float, case_seconds: float) -> tuple[bool, str, bool]:
    """(passed, message, cut_short) of one otter test case, in a fresh test process, with otter's message
    format; cut_short: it failed because time ran out or a process was lost, not on what an answer was."""
    try:
        process = _TestProcess(main, min(deadline, time.monotonic() + case_seconds))
    except StudentError as error:
        return False, f"❌ Test case failed\n{error}", True
    except (ChannelClosed, ChannelTimeout, OSError, ValueError):
        return False, "❌ Test case failed\nthe notebook's process was no longer running", True
    try:
        case.body.call_func(Namespace(process))
        return True, "✅ Test case passed", False
    except Exception as error:  # noqa: BLE001 - any failure of the test is a failed test, as in otter
        try:
            return False, "❌ Test case failed\n" + test_file._generate_error_message(error), process.cut_short
        except Exception:  # noqa: BLE001 - otter's message needs the test's own frame
            return False, f"❌ Test case failed\n{type(error).__name__}: {error}", process.cut_short
    finally:
        process.close()


def cell_errors(reported) -> list[dict]:
    """The notebook's cell errors as the sandbox reported them (the student's own data): only well-formed
    entries, bounded in number and length."""
    out = []
    for item in reported if isinstance(reported, list) else []:
        if isinstance(item, dict) and isinstance(item.get("cell"), int) and not isinstance(item.get("cell"), bool):
            out.append({"cell": item["cell"], "type": str(item.get("type", ""))[:100],
                        "message": str(item.get("message", ""))[:300]})
        if len(out) == 20:
            break
    return out


def grade(main: Channel, test_files: list[Path], deadline: float, timeout: float, notebook: str = "",
          reference_answers: dict[str, str] | None = None) -> dict:
    """Wait for the notebook to finish in the sandbox, then run every test file. The result:
    {"status", "questions": {q: score}, "possible": {q: points}, "tests": [{question, name, hidden, passed,
    message}], "failed_cells", "cell_errors": [{cell, type, message}], "mistakes": [{question, mistake,
    line}]}; hidden tests carry no message. `reference_answers` (the master's solutions of the functions
    with known mistakes) turn on likely-mistake feedback for the questions that lost points."""
    from otter.test_files import ExceptionTestFile
    from otter.test_files.abstract_test import TestCaseResult

    try:  # sent before any student code runs: a failure here is the sandbox's (the grader's), never the student's
        isolated = main.receive(timeout=min(60.0, max(0.0, deadline - time.monotonic())))
    except (ChannelTimeout, ChannelClosed, OSError, ValueError) as error:
        return {"status": f"{GRADER_FAILURE}the sandbox did not set up the job ({type(error).__name__})"}
    if isolated.get("event") != "isolated":
        return {"status": f"{GRADER_FAILURE}the sandbox could not set up the job "
                          f"({str(isolated.get('error', isolated))[:300]})"}
    try:
        ready = main.receive(timeout=max(0.0, deadline - time.monotonic()))
    except ChannelTimeout:
        return {"status": STATUS_TIMEOUT}
    except (ChannelClosed, OSError, ValueError):
        return {"status": DIED}
    result = {"status": STATUS_OK, "questions": {}, "possible": {}, "tests": [],
              "failed_cells": int(ready.get("failed_cells", 0)) if isinstance(ready.get("failed_cells"), int) else 0,
              "cell_errors": cell_errors(ready.get("cell_errors"))}
    files = [ExceptionTestFile.from_file(str(path)) for path in test_files]
    outcomes: dict[tuple[int, int], tuple[bool, str, bool]] = {}
    # Every public case runs before any hidden one: a public message (what a student sees) is fixed before a
    # hidden case's arguments ever enter the sandbox, so nothing of them can reach it, whatever the notebook
    # keeps between cases (a process left running, shared memory).
    order = [(f, c) for hidden in (False, True) for f, test_file in enumerate(files)
             for c, case in enumerate(test_file.test_cases) if bool(case.hidden) == hidden]
    case_seconds = max(5.0, timeout * CASE_SHARE)
    for f, c in order:
        outcomes[f, c] = _run_case(main, files[f], files[f].test_cases[c], deadline, case_seconds)
        if time.monotonic() > deadline:
            return {"status": STATUS_TIMEOUT}
    for f, test_file in enumerate(files):
        test_file.test_case_results = []
        for c, case in enumerate(test_file.test_cases):
            passed, message, cut_short = outcomes[f, c]
            test_file.test_case_results.append(TestCaseResult(test_case=case, message=message, passed=passed))
            result["tests"].append({"question": test_file.name, "name": case.name, "hidden": bool(case.hidden),
                                    "points": float(case.points or 0.0), "passed": passed,
                                    "message": "" if case.hidden or passed else message})
            if cut_short:
                result["tests"][-1]["cut_short"] = True
        result["questions"][test_file.name] = float(test_file.score)
        result["possible"][test_file.name] = float(test_file.possible)
    if reference_answers:
        result["mistakes"] = likely_mistakes(main, result, notebook, reference_answers, deadline, case_seconds)
    try:
        main.send({"op": "bye"})
    except OSError:
        pass
    return result


def likely_mistakes(main: Channel, result: dict, notebook: str, reference_answers: dict[str, str],
                    deadline: float, case_seconds: float) -> list[dict]:
    """The likely-mistake lines of the questions that lost points (bertcourse/mistakes/): after every test,
    so they change no score; a probe that fails in any way only means no line."""
    from . import mistakes

    def open_remote(function: str, until: float):
        try:
            process = _TestProcess(main, min(until, time.monotonic() + case_seconds))
        except (StudentError, ChannelClosed, ChannelTimeout, OSError, ValueError):
            return None, lambda: None
        try:
            found = Namespace(process)[function]
        except StudentError:
            found = None
        return (found if isinstance(found, RemoteFunction) else None), process.close

    lost = [q for q, score in result["questions"].items() if score < result["possible"].get(q, 0.0)]
    try:
        return mistakes.find(notebook, lost, reference_answers, open_remote, StudentError, deadline)
    except Exception:  # noqa: BLE001 - feedback only: a failure here costs the line, never the grade
        return []
