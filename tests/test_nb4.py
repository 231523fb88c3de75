"""Notebook 4 (CoNLL-2003 NER): wrong implementations lose points, and the offline run learns.

Grading harness. Grading runs the submission's non-ignored cells, then the autograder's test files against
the final globals. `_grade_in_process` does the same in this process: it executes the code cells of the
autograder's solution notebook (skipping `otter_ignore` cells and otter's own cells), with the solution cell
of one function replaced by a wrong version, then runs the autograder's test files
(autograder/nb4_conll_ner/tests/*.py) through otter's ExceptionTestFile, the class `otter run` uses. That
takes about a second per submission instead of ~20 s; one real `otter run` on a wrong submission checks that
both agree."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from otter.test_files import ExceptionTestFile

from bertcourse import paths, release
from bertcourse.grading import otter_run
import samples
from course_runs import offline_run

NAME = "nb4_conll_ner"
WRONG = paths.REPO / "bertcourse" / "mistakes"  # the wrong answers the course keeps, one folder per function
WRONG_FILES = sorted([*(WRONG / "tokenize_and_tag").glob("*.py"), *(WRONG / "calculate_macro_f1").glob("*.py")])
AUTOGRADER_NB = paths.AUTOGRADER / NAME / f"{NAME}.ipynb"
TESTS = paths.AUTOGRADER / NAME / "tests"
QUESTIONS = {"tokenize_and_tag": "q1_tokenize_and_tag", "calculate_macro_f1": "q2_calculate_macro_f1"}


def _function_of(path: Path) -> str:
    return path.parent.name


def _submission_cells(replacements: dict[str, str]) -> list[nbformat.NotebookNode]:
    """The autograder's solution notebook with the cell defining each function in `replacements` replaced."""
    nb = nbformat.read(AUTOGRADER_NB, as_version=4)
    for function, source in replacements.items():
        (cell,) = [c for c in nb.cells if c.cell_type == "code" and c.source.startswith(f"def {function}(")]
        cell.source = source
    return nb.cells


def _grade_in_process(replacements: dict[str, str], monkeypatch) -> dict[str, tuple[float, float]]:
    """{question: (score, possible)} for the solution notebook with `replacements`, graded in this process."""
    monkeypatch.chdir(paths.SOLUTIONS)  # where "offline/..." resolves, as in otter's grading folder
    for key, value in release.offline_env(paths.SOLUTIONS).items():
        if key.startswith(("BERT_COURSE", "HF_")) and key != "HF_DATASETS_CACHE":  # conftest sets the cache
            monkeypatch.setenv(key, value)
    env: dict = {"__name__": "__main__"}
    for cell in _submission_cells(replacements):
        if (cell.cell_type != "code" or "otter_ignore" in cell.metadata.get("tags", [])
                or "otter" in cell.source or "grader" in cell.source):
            continue
        try:
            exec(compile(cell.source, "<cell>", "exec"), env)
        except Exception:  # like a notebook run: a failing cell does not stop the grading
            pass
    scores = {}
    for question in QUESTIONS.values():
        test_file = ExceptionTestFile.from_file(str(TESTS / f"{question}.py"))
        test_file.run(env)
        scores[question] = (test_file.score, test_file.possible)
    return scores


def test_there_are_at_least_five_distinct_wrong_versions_of_each_function():
    for function in QUESTIONS:
        sources = [p.read_text() for p in WRONG_FILES if _function_of(p) == function]
        assert len(set(sources)) >= 5, f"fewer than five wrong versions of {function}"
        assert all(f"def {function}(" in source for source in sources)


def test_solution_scores_full_marks_in_the_in_process_harness(monkeypatch):
    scores = _grade_in_process({}, monkeypatch)
    for question, (score, possible) in scores.items():
        assert possible > 0 and score == possible, f"{question}: {score}/{possible} for the solution"


@pytest.mark.parametrize("path", WRONG_FILES, ids=[p.stem for p in WRONG_FILES])
def test_wrong_implementation_loses_points(path, monkeypatch):
    function = _function_of(path)
    scores = _grade_in_process({function: path.read_text()}, monkeypatch)
    score, possible = scores[QUESTIONS[function]]
    print(f"{path.stem}: {score:g}/{possible:g} on {QUESTIONS[function]}")
    assert score < possible, f"{path.name} ({path.read_text().splitlines()[0]}) kept full marks"
    for question, (other, other_possible) in scores.items():  # the other question is untouched
        if question != QUESTIONS[function]:
            assert other == other_possible, f"{path.name} changed the score of {question}"


CORRECT = {  # correct answers written differently from the solution: each must keep full marks
    "tokenize_and_tag": """def tokenize_and_tag(row):
    encoding = tokenizer(row["tokens"], is_split_into_words=True, truncation=True, max_length=max_length)
    labels = []
    for position, word in enumerate(encoding.word_ids()):
        if word is None:
            labels.append(-100)
            continue
        tag = row["ner_tags"][word]
        if position > 0 and encoding.word_ids()[position - 1] == word:
            tag = label_names.index(label_names[tag].replace("B-", "I-"))
        labels.append(tag)
    return {**encoding, "labels": labels}
""",
    "calculate_macro_f1": """def calculate_macro_f1(preds, labels):
    from sklearn.metrics import f1_score
    kept_preds, kept_labels = [], []
    for pred_row, label_row in zip(preds, labels):
        for p, l in zip(pred_row, label_row):
            if l != -100:
                kept_preds.append(int(p))
                kept_labels.append(int(l))
    return {"macro-f1": f1_score(kept_labels, kept_preds, average="macro", zero_division=0)}
""",
}


@pytest.mark.parametrize("function", sorted(CORRECT))
def test_correct_alternative_keeps_full_marks(function, monkeypatch):
    scores = _grade_in_process({function: CORRECT[function]}, monkeypatch)
    for question, (score, possible) in scores.items():
        assert possible > 0 and score == possible, f"{function} alternative: {question} {score}/{possible}"


ALTERNATIVES = {  # more correct answers (issue 22): each keeps full marks
    "word_to_tokens": ("tokenize_and_tag", samples.WORD_TO_TOKENS),  # graded as a batch sample too
    "plain_dict_of_lists": ("tokenize_and_tag", """def tokenize_and_tag(row):
    encoding = tokenizer(row["tokens"], is_split_into_words=True, truncation=True, max_length=max_length)
    out = {key: list(value) for key, value in encoding.items()}
    out["labels"], previous = [], None
    for word in encoding.word_ids():
        tag = -100 if word is None else row["ner_tags"][word]
        if word is not None and word == previous and label_names[tag].startswith("B-"):
            tag = label_names.index("I-" + label_names[tag][2:])
        out["labels"].append(tag)
        previous = word
    return out
"""),
}


@pytest.mark.parametrize("name", sorted(ALTERNATIVES))
def test_more_correct_alternatives_keep_full_marks(name, monkeypatch):
    function, source = ALTERNATIVES[name]
    scores = _grade_in_process({function: source}, monkeypatch)
    for question, (score, possible) in scores.items():
        assert possible > 0 and score == possible, f"{name}: {question} {score}/{possible}"


CONSTANTS = samples.CONSTANT4  # answers that ignore their input, each returning what one public case expects


def test_answers_that_ignore_their_input_pass_no_test_case(monkeypatch):
    scores = _grade_in_process(CONSTANTS, monkeypatch)
    assert {question: score for question, (score, _) in scores.items()} == {q: 0 for q in QUESTIONS.values()}


def test_the_example_cell_shows_a_plain_dict_answer(monkeypatch, capsys):
    """The cell that prints the token/label tables reads the tokens from input_ids, so an answer that returns a
    plain dict (which the prose allows and every test accepts) does not stop Run all there."""
    _grade_in_process({"tokenize_and_tag": ALTERNATIVES["plain_dict_of_lists"][1]}, monkeypatch)
    assert capsys.readouterr().out.count("token  [CLS]") == 2


def test_otter_run_agrees_with_the_in_process_harness(tmp_path, monkeypatch):
    """One real `otter run` on a submission with a wrong version of both functions."""
    replacements = {"tokenize_and_tag": (WRONG / "tokenize_and_tag" / "tag_seed_version.py").read_text(),
                    "calculate_macro_f1": (WRONG / "calculate_macro_f1" / "f1_all_nine_classes.py").read_text()}
    nb = nbformat.read(AUTOGRADER_NB, as_version=4)
    nb.cells = _submission_cells(replacements)
    submission = tmp_path / f"{NAME}.ipynb"  # the name otter.Notebook(...) expects
    nbformat.write(nb, submission)
    grade = otter_run(submission, release.zip_path(NAME))
    expected = _grade_in_process(replacements, monkeypatch)
    for question, (score, possible) in expected.items():
        assert grade.possible[question] == possible
        assert grade.questions[question] == score < possible, (
            f"{question}: otter run gave {grade.questions[question]}, in-process {score}")


# ---- the offline run of the solution (shared with the other tests of this notebook on one worker) ----

@pytest.fixture(scope="module")
def run():
    return offline_run(NAME)


def test_offline_run_beats_the_all_o_baseline(run):
    _, seconds, values = run
    # an all-O prediction has entity F1 0; the tiny model reaches about 0.90 offline (sweep: 0.899-0.914)
    assert values["seqeval_overall_f1"] >= 0.5, f"entity F1 {values['seqeval_overall_f1']:.3f} ({seconds:.0f} s)"
    assert values["token_macro_f1"] >= 0.5, f"token macro-F1 {values['token_macro_f1']:.3f}"
    print(f"{NAME}: offline run {seconds:.0f} s, entity F1 {values['seqeval_overall_f1']:.3f}, "
          f"token macro-F1 {values['token_macro_f1']:.3f}")


def test_offline_run_outputs(run):
    from bertcourse.execute import outputs_text
    from bertcourse.fixtures import NER_LABELS

    executed, _, values = run
    assert values["label_names"] == NER_LABELS, "label names are read from the dataset's features"
    text = outputs_text(executed)
    assert "all 200 random checks agree with sklearn" in text and "DISAGREE" not in text
    assert "token-level macro-F1" in text and "entity-level F1 (seqeval)" in text
    for entity_type in ("PER", "ORG", "LOC", "MISC"):
        assert f"\n{entity_type:<5} P " in text, f"no seqeval line for {entity_type}"
    assert text.count("\ntoken  [CLS]") == 2, "the two example sentences are shown as token/label tables"
