"""Likely-mistake feedback (bertcourse/mistakes/): each wrong answer the course keeps is named, no right one is.

The catalog on its own: every kept wrong implementation, called the way the grader calls a student's function
(its arguments and result through the sandbox boundary's plain encoding, its errors as the grader's messages),
gets exactly its own line, and the master's solution and correct alternatives get none. That no line holds a
hidden test's input, and that the lines reach the feedback and report of a real grading run, are checked here
and in test_batch_grading.py (samples.MISTAKES) and test_gradescope.py.
"""

from __future__ import annotations

import ast
import time

import pytest

from bertcourse import mistakes, paths, release
from bertcourse.boundary import plain
from bertcourse.mistakes import probes
import samples

NOTEBOOKS = {"tokenize_and_tag": [samples.NB4], "calculate_macro_f1": [samples.NB4],
             "compute_metrics": [samples.NB2, samples.NB3], "filter_for_max_length": [samples.NB1],
             "apply_bert": [samples.NB1]}
QUESTION = {"tokenize_and_tag": "q1_tokenize_and_tag", "calculate_macro_f1": "q2_calculate_macro_f1",
            "filter_for_max_length": "q2_filter_for_max_length", "apply_bert": "q3_apply_bert",
            samples.NB2: "q2_compute_metrics", samples.NB3: "q5_compute_metrics"}
CASES = [(function, notebook) for function, notebooks in NOTEBOOKS.items() for notebook in notebooks]


class StudentError(Exception):
    pass


@pytest.fixture(autouse=True)
def offline(monkeypatch):
    monkeypatch.chdir(paths.SOLUTIONS)  # where "offline/..." resolves, as in the grading process's folder
    for key, value in release.offline_env(paths.SOLUTIONS).items():
        if key.startswith(("BERT_COURSE", "HF_")) and key != "HF_DATASETS_CACHE":
            monkeypatch.setenv(key, value)


def answers(notebook: str) -> dict[str, str]:
    return release.reference_answers(paths.AUTOGRADER / notebook / f"{notebook}.ipynb")


def as_student(source: str, function: str, notebook: str):
    """(callable, close) for open_remote: `source`'s function behind the boundary, as verdict.py reaches it."""
    implementation = mistakes._defined(source, function, probes.context(notebook, function))

    def call(*args):
        sent = plain.decode(plain.encode(list(args)), real_objects=True)
        try:
            value = implementation(*sent)
        except Exception as error:  # the grader's message for a student's error
            raise StudentError(f"{function}(...) raised {type(error).__name__}: {error}") from None
        return plain.decode(plain.encode(value))

    return call, lambda: None


def found(source: str, function: str, notebook: str) -> list[dict]:
    return mistakes.find(notebook, [QUESTION.get(function, QUESTION.get(notebook))], answers(notebook),
                         lambda name, until: as_student(source, name, notebook), StudentError,
                         time.monotonic() + 120)


def test_the_release_ships_the_masters_solution_of_every_function_with_kept_mistakes():
    for function, notebook in CASES:
        source = answers(notebook)[function]
        assert source in samples.solutions(notebook), f"{notebook}: {function} is not the master's solution"
    assert set(mistakes.functions()) == set(NOTEBOOKS)


@pytest.mark.parametrize("function,notebook", CASES)
def test_each_kept_wrong_answer_gets_its_own_line_and_the_solution_none(function, notebook):
    kept = mistakes.known(function)
    assert len(kept) >= 2
    for wrong in kept:
        assert wrong.says.startswith(f"Likely mistake: your `{function}`"), wrong.says
        assert found(wrong.source, function, notebook) == [
            {"question": QUESTION.get(function, QUESTION.get(notebook)), "mistake": f"{function}/{wrong.name}",
             "line": wrong.says}], wrong.name
    assert found(answers(notebook)[function], function, notebook) == []


ALTERNATIVES = {  # right answers written otherwise than the master's: no line
    "tokenize_and_tag": [samples.WORD_TO_TOKENS, samples.PLAIN_DICT],
    "compute_metrics": [samples.METRICS_BY_ATTRIBUTE, samples.METRICS_AS_FRACTION],
    "filter_for_max_length": ['def filter_for_max_length(row):\n'
                              '    return len(tokenizer.encode(row["input"])) <= max_length\n'],
    "apply_bert": ['def apply_bert(row):\n    out = bert_model(row["input"], targets=["1", "2", "3", "4", "5"])\n'
                   '    row["score"] = int(out[0]["token_str"])\n    return row\n'],
}


@pytest.mark.parametrize("function", list(ALTERNATIVES))
def test_a_right_answer_written_otherwise_gets_no_line(function):
    for notebook in NOTEBOOKS[function]:
        context = probes.context(notebook, function)
        arguments = probes.arguments(notebook, function, context)
        right = mistakes._outcomes(mistakes._defined(answers(notebook)[function], function, context), arguments,
                                   function)
        for source in ALTERNATIVES[function]:
            call, _ = as_student(source, function, notebook)
            assert mistakes._student_outcomes(call, arguments, function, StudentError) == right, source
            assert found(source, function, notebook) == [], source


def test_an_answer_that_matches_no_kept_mistake_or_fails_to_run_gets_no_line():
    assert found('def calculate_macro_f1(preds, labels):\n    return {"macro-f1": 0.5}\n',
                 "calculate_macro_f1", samples.NB4) == []
    assert found("def calculate_macro_f1(preds, labels):\n    raise ValueError('no')\n",
                 "calculate_macro_f1", samples.NB4) == []


def _hidden_strings(notebook: str) -> set[str]:
    """String constants in the hidden test cases' code (their inputs, names and messages)."""
    out = set()
    for path in (paths.AUTOGRADER / notebook / "tests").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef) and any("hidden=True" in ast.unparse(d) for d in node.decorator_list):
                out |= {c.value for c in ast.walk(node) if isinstance(c, ast.Constant) and isinstance(c.value, str)}
    return out


def test_no_line_holds_anything_of_a_hidden_test_the_notebook_does_not_say():
    for function, notebook in CASES:
        prose = (paths.NOTEBOOKS / notebook / f"{notebook}.ipynb").read_text()
        secret = {s for s in _hidden_strings(notebook) if len(s) >= 3 and s not in prose}
        assert secret, f"{notebook}: the hidden tests have inputs of their own"
        for wrong in mistakes.known(function):
            assert not [s for s in secret if s in wrong.says], (wrong.name, [s for s in secret if s in wrong.says])


def test_with_too_little_of_the_submissions_time_left_nothing_is_probed():
    opened = []
    source = mistakes.known("calculate_macro_f1")[0].source
    assert mistakes.find(samples.NB4, ["q2_calculate_macro_f1"], answers(samples.NB4),
                         lambda name, until: opened.append(until) or as_student(source, name, samples.NB4),
                         StudentError, time.monotonic() + mistakes.MARGIN_SECONDS - 1) == []
    assert opened == [], "no call of the student's function when the submission's time is nearly up"
    deadline = time.monotonic() + 100
    assert mistakes.find(samples.NB4, ["q2_calculate_macro_f1"], answers(samples.NB4),
                         lambda name, until: opened.append(until) or as_student(source, name, samples.NB4),
                         StudentError, deadline)
    assert opened == [deadline - mistakes.MARGIN_SECONDS / 2], "the student's calls end before the deadline"


ALWAYS_THE_SAME = {"apply_bert_sorted_position"}  # its bug is answering 1 whatever the input: the line says why


@pytest.mark.parametrize("function,notebook", CASES)
def test_no_kept_wrong_answer_behaves_like_a_constant(function, notebook):
    """A function that ignores its input must not be told it made one of these mistakes (issue 22's constants)."""
    context = probes.context(notebook, function)
    arguments = probes.arguments(notebook, function, context)
    for wrong in mistakes.known(function):
        outcomes = mistakes._outcomes(mistakes._defined(wrong.source, function, context), arguments, function)
        assert (len({repr(o) for o in outcomes}) == 1) == (wrong.name in ALWAYS_THE_SAME), wrong.name
