"""Each wrong implementation in tests/nb4_wrong/ loses points under the autograder's own test files.

The tests run in-process through otter's ExceptionTestFile (what the autograder uses), with the
notebook's globals (tokenizer, max_length, label_names) provided as the notebook provides them, and with
the working directory where the autograder grades (so "offline/..." paths resolve). The solution must
score full marks the same way: a check that the harness itself is sound."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from otter.test_files import ExceptionTestFile

from bertcourse import paths

NAME = "nb4_conll_ner"
WRONG = Path(__file__).parent / "nb4_wrong"
TESTS = paths.AUTOGRADER / NAME / "tests"
QUESTION_OF = {"tag": "q1_tokenize_and_tag", "f1": "q2_calculate_macro_f1"}
FUNCTION_OF = {"tag": "tokenize_and_tag", "f1": "calculate_macro_f1"}


@pytest.fixture(scope="module")
def notebook_globals():
    from transformers import AutoTokenizer

    from bertcourse import fixtures

    tokenizer = AutoTokenizer.from_pretrained(str(paths.TINY_BERT))
    return {"tokenizer": tokenizer, "max_length": tokenizer.model_max_length, "label_names": fixtures.NER_LABELS}


def _grade(question: str, function_source: str, env: dict, monkeypatch) -> tuple[float, float]:
    monkeypatch.chdir(paths.SOLUTIONS)  # where "offline/..." resolves, as in the grading folder
    env = dict(env)
    exec(compile(function_source, question, "exec"), env)
    test_file = ExceptionTestFile.from_file(str(TESTS / f"{question}.py"))
    test_file.run(env)
    return test_file.score, test_file.possible


def _solution_source(function: str) -> str:
    nb = nbformat.read(paths.AUTOGRADER / NAME / f"{NAME}.ipynb", as_version=4)
    (cell,) = [c for c in nb.cells if c.cell_type == "code" and c.source.startswith(f"def {function}(")]
    return cell.source


@pytest.mark.parametrize("kind", ["tag", "f1"])
def test_solution_scores_full_marks_in_this_harness(kind, notebook_globals, monkeypatch):
    score, possible = _grade(QUESTION_OF[kind], _solution_source(FUNCTION_OF[kind]), notebook_globals, monkeypatch)
    assert possible > 0 and score == possible


WRONG_FILES = sorted(WRONG.glob("*.py"))


def test_there_are_at_least_five_wrong_versions_of_each_function():
    for kind in QUESTION_OF:
        assert len([p for p in WRONG_FILES if p.name.startswith(kind + "_")]) >= 5


@pytest.mark.parametrize("path", WRONG_FILES, ids=[p.stem for p in WRONG_FILES])
def test_wrong_implementation_loses_points(path, notebook_globals, monkeypatch):
    kind = path.name.split("_")[0]
    score, possible = _grade(QUESTION_OF[kind], path.read_text(), notebook_globals, monkeypatch)
    assert score < possible, f"{path.name} ({path.read_text().splitlines()[0]}) kept full marks"
