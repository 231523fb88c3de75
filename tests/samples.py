"""The sample submissions in tests/submissions/ and the row each one deserves.

    .venv/bin/python tests/samples.py        rewrites tests/submissions/ (a test checks it is in sync)

Every sample is a released student notebook with some answer cells filled in (the solution, a plausible wrong
answer, or anything else) and sometimes extra cells or odd bytes. Three families:
  - honest habits: correct answers written in ordinary ways (must keep full marks);
  - attacks: stub or wrong answers plus code that tries to earn points, read hidden material, change another
    submission's row or outlive its job (must earn nothing and change nothing);
  - robustness: broken files, odd names and metadata, crashes, endless loops (one row each, with a reason).
EXPECTED maps each file to (status prefix, notebook graded as, per-question scores; None = every question 0).
The grading benchmark builds its batches with the same functions.
"""

from __future__ import annotations

import io
import json
import re
import sys
import zipfile
from pathlib import Path

import nbformat

REPO = Path(__file__).resolve().parent.parent
FOLDER = Path(__file__).resolve().parent / "submissions"
NB1, NB2, NB3, NB4 = "nb1_zero_shot", "nb2_yelp_stars", "nb3_mnli_pairs", "nb4_conll_ner"
ATTACK_TOKEN = "bertcourse-attack-daemon"  # in the command line of the process a sample leaves behind
ATTACK_PTH = "zz_bertcourse_attack.pth"


# ------------------------------------------------------------------ building notebooks
def released(name: str = NB1):
    return nbformat.read(REPO / "notebooks" / name / f"{name}.ipynb", as_version=4)


def _answer_indexes(nb) -> list[int]:
    return [i for i, c in enumerate(nb.cells) if "otter_answer_cell" in c.metadata.get("tags", [])]


def solutions(name: str = NB1) -> list[str]:
    """The solution of every answer cell, in order, as a student would type it (no otter markers)."""
    from bertcourse import release

    return release.solution_sources(REPO / "autograder" / name / f"{name}.ipynb")


def answer_names(name: str = NB1) -> list[str]:
    """The name each answer cell defines (the function, or the model's variable)."""
    names = []
    for source in solutions(name):
        match = re.search(r"^def (\w+)\(", source, re.M) or re.search(r"^(\w+) = ", source, re.M)
        names.append(match.group(1))
    return names


# Plausible wrong answers (notebook 1; the others' are in test_nb2_nb3.py and bertcourse/mistakes/).
WRONG = {
    "concatenate_mask": 'TEMPLATE = " I give it a score of [MASK] out of 5."\n\n\ndef concatenate_mask(row):\n'
                        '    row["input"] = TEMPLATE + row["text"]\n    return row\n',
    "filter_for_max_length": 'def filter_for_max_length(row):\n    return len(row["input"].split()) <= max_length\n',
    "apply_bert": 'STAR_TARGETS = ["1", "2", "3", "4", "5"]\n\n\ndef apply_bert(row):\n'
                  '    guesses = bert_model(row["input"], targets=STAR_TARGETS)\n'
                  '    return {"score": int(guesses[-1]["token_str"])}\n',
    "accuracy": 'def accuracy(outputs, reference):\n    return sum(o == r for o, r in zip(outputs, reference)) / 100\n',
}


def student(answers: dict[str, str] | None = None, name: str = NB1):
    """The released notebook with answer cells replaced: {function: "correct" | "wrong" | source}."""
    nb = released(name)
    for index, function, solution in zip(_answer_indexes(nb), answer_names(name), solutions(name)):
        choice = (answers or {}).get(function)
        if choice == "correct":
            nb.cells[index].source = solution
        elif choice == "wrong":
            nb.cells[index].source = WRONG[function]
        elif choice:
            nb.cells[index].source = choice
    return nb


def perfect(name: str = NB1):
    return student({f: "correct" for f in answer_names(name)}, name)


def after_answer(nb, function: str, source: str, before: bool = False, name: str = NB1):
    index = _answer_indexes(nb)[answer_names(name).index(function)]
    nb.cells.insert(index if before else index + 1, nbformat.v4.new_code_cell(source))
    return nb


def with_cell(nb, source: str, at: int | None = None):
    """Insert a code cell (by default right after the set-up cells)."""
    code = [i for i, c in enumerate(nb.cells) if c.cell_type == "code"]
    nb.cells.insert(code[2] if at is None else at, nbformat.v4.new_code_cell(source))
    return nb


def replace_answer(function: str, source: str):
    nb = perfect()
    index = _answer_indexes(nb)[answer_names().index(function)]
    nb.cells[index].source = source
    return nb


def export_zip(nb, extra: dict[str, str] | None = None, name: str = NB1) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr(zipfile.ZipInfo(f"{name}.ipynb", date_time=(2020, 1, 1, 0, 0, 0)), as_bytes(nb))
        for file_name, text in (extra or {}).items():
            zf.writestr(zipfile.ZipInfo(file_name, date_time=(2020, 1, 1, 0, 0, 0)), text)
    return buffer.getvalue()


def stable(nb):
    """Number the cell ids (new cells get random ones), so that the samples rebuild byte for byte."""
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"sample-{i:03d}"
    return nb


def as_bytes(nb) -> bytes:
    return nbformat.writes(stable(nb)).encode()


def nbformat3(nb, cells_instead=None) -> bytes:
    """`nb` as an nbformat 3 file; `cells_instead` adds a v4-style "cells" list Jupyter would not show."""
    data = json.loads(nbformat.writes(nbformat.convert(stable(nb), 3)))
    if cells_instead is not None:
        data["cells"] = json.loads(as_bytes(cells_instead))["cells"]
    return json.dumps(data, indent=1).encode()


# ------------------------------------------------------------------ the samples
Q1 = ["q1_concatenate_mask", "q2_filter_for_max_length", "q3_apply_bert", "q4_accuracy"]
FULL1 = {"q1_concatenate_mask": 2, "q2_filter_for_max_length": 3, "q3_apply_bert": 3, "q4_accuracy": 2}
PARTIAL1 = {"q1_concatenate_mask": 2, "q2_filter_for_max_length": 1, "q3_apply_bert": 0, "q4_accuracy": 2}
FULL = {NB2: {"q1_tokenize_function": 3, "q2_compute_metrics": 2},
        NB3: {"q1_load_model": 2, "q2_is_labeled": 1, "q3_concatenate": 2, "q4_tokenize_function": 2,
              "q5_compute_metrics": 2},
        NB4: {"q1_tokenize_and_tag": 4, "q2_calculate_macro_f1": 4}}

HONEST = {  # correct answers written in ordinary ways, each with one habit a scanner might mistake for cheating
    "honest_row_copy.ipynb": lambda: replace_answer("concatenate_mask",
        'TEMPLATE = " I give it a score of [MASK] out of 5."\n\n\ndef concatenate_mask(row):\n'
        '    row = row.copy()\n    row["input"] = row["text"] + TEMPLATE\n    return row\n'),
    "honest_text_replace.ipynb": lambda: replace_answer("concatenate_mask",
        'def concatenate_mask(row):\n    template = " I give it a score of [X] out of 5.".replace("[X]", "[MASK]")\n'
        '    return {**row, "input": row["text"] + template}\n'),
    "honest_matplotlib_inline.ipynb": lambda: with_cell(perfect(),
        "%matplotlib inline\nimport matplotlib.pyplot as plt\nplt.plot([1, 2, 3])\nplt.show()\n"),
    "honest_time_magic.ipynb": lambda: replace_answer("accuracy",
        "%%time\ndef accuracy(outputs, reference):\n    outputs, reference = list(outputs), list(reference)\n"
        "    return sum(o == r for o, r in zip(outputs, reference)) / len(reference)\n"),
    "honest_import_gc.ipynb": lambda: with_cell(perfect(), "import gc\n\ngc.collect()\n"),
    "honest_getattr.ipynb": lambda: replace_answer("apply_bert",
        'STAR_TARGETS = ["1", "2", "3", "4", "5"]\n\n\ndef apply_bert(row):\n'
        '    guesses = getattr(bert_model, "__call__")(row["input"], targets=STAR_TARGETS)\n'
        '    best = max(guesses, key=lambda guess: getattr(guess, "get")("score"))\n'
        '    return {"score": int(best["token_str"])}\n'),
    "honest_writes_notes.ipynb": lambda: with_cell(perfect(),
        'with open("notes.txt", "w") as notes:\n    notes.write("try targets with a space?")\n'),
    "honest_pandas_options.ipynb": lambda: with_cell(perfect(),
        "import pandas as pd\n\npd.options.display.max_rows = 20\npd.DataFrame({'a': [1, 2]})\n"),
    "honest_cudnn_deterministic.ipynb": lambda: with_cell(perfect(),
        "import torch\n\ntorch.backends.cudnn.deterministic = True\ntorch.manual_seed(0)\n"),
    "honest_docstring_autograder.ipynb": lambda: replace_answer("accuracy",
        'def accuracy(outputs, reference):\n    """Fraction that agree (the autograder checks this)."""\n'
        "    outputs, reference = list(outputs), list(reference)\n"
        "    return sum(o == r for o, r in zip(outputs, reference)) / len(reference)\n"),
    "honest_setup_comment.ipynb": lambda: _edit_setup(perfect(), lambda s: "# my notes: run this first\n" + s),
    "honest_setup_online_ids.ipynb": lambda: _edit_setup(  # the switch removed: the course's set-up is used
        perfect(), lambda s: 'import os\n\nOFFLINE = False\nMODEL_ID = "bert-base-cased"\nYELP_ID = "Yelp/yelp_review_full"\n'),
    "honest_kernelspec.ipynb": lambda: _kernelspec(perfect(), "my-course-env"),
    "honest_row_with_score.ipynb": lambda: replace_answer("apply_bert",  # Q1's style: the row with a new key
        'STAR_TARGETS = ["1", "2", "3", "4", "5"]\n\n\ndef apply_bert(row):\n'
        '    guesses = bert_model(row["input"], targets=STAR_TARGETS)\n'
        '    row["score"] = int(max(guesses, key=lambda g: g["score"])["token_str"])\n    return row\n'),
    "honest_nbformat3.ipynb": lambda: nbformat3(perfect()),
    "honest_new_dict.ipynb": lambda: replace_answer("concatenate_mask",  # map's other style: just the new key
        'TEMPLATE = " I give it a score of [MASK] out of 5."\n\n\ndef concatenate_mask(row):\n'
        '    return {"input": row["text"] + TEMPLATE}\n'),
    "honest_numpy_accuracy.ipynb": lambda: replace_answer("accuracy",
        "import numpy as np\n\n\ndef accuracy(outputs, reference):\n"
        "    return np.mean(np.asarray(outputs) == np.asarray(reference))\n"),
    "honest_python313_syntax.ipynb": lambda: _python313_answers(),  # Colab's Python: PEP 701 f-strings, PEP 695
    "honest_count_subwords.ipynb": lambda: replace_answer("filter_for_max_length",
        "def filter_for_max_length(row):\n    # the sub-words plus [CLS] and [SEP]\n"
        "    return len(tokenizer.tokenize(row['input'])) + 2 <= max_length\n"),
}

ATTACKS = {  # stubs plus code that tries to get points or reach outside its job: all must score 0
    "attack_check_results_edited.ipynb": lambda: after_answer(student(), "accuracy",
        "from otter.test_files.abstract_test import TestCaseResult\n"
        "for q in ['q1_concatenate_mask', 'q2_filter_for_max_length', 'q3_apply_bert', 'q4_accuracy']:\n"
        "    try:\n        result = grader.check(q)\n"
        "        result.test_case_results = [TestCaseResult(test_case=tc, message='', passed=True)\n"
        "                                    for tc in result.test_cases]\n"
        "        result.update_score(100)\n    except Exception as error:\n        print(error)\n"),
    "attack_update_score.ipynb": lambda: with_cell(student(),
        "import otter.test_files.abstract_test as at\n\nat.TestFile.score = property(lambda self: 200)\n"
        "at.TestFile.passed_all = property(lambda self: True)\n"),
    "attack_results_marked_passed.ipynb": lambda: with_cell(student(),
        "from otter.test_files import abstract_test\n\n"
        "abstract_test.TestCaseResult.passed = property(lambda self: True)\n"),
    "attack_nbformat3_worksheets.ipynb": lambda: nbformat3(student(), cells_instead=perfect()),
    "attack_pickle_timeit_exec.ipynb": lambda: with_cell(student(),
        "import pickle, timeit\n\n"
        "timeit.timeit(\"import builtins; builtins.print('patched')\", number=1)\n"
        "pickle.loads(b\"cbuiltins\\nexec\\n(S'import builtins'\\ntR.\")\n"),
    "attack_class_patch.ipynb": lambda: with_cell(student(),
        "type(bert_model).__call__ = lambda self, *a, **k: [{'token_str': '1', 'score': 1.0}]\n"
        "type(grader).check = lambda self, *a, **k: 'All test cases passed!'\n"),
    "attack_frame_inspection.ipynb": lambda: replace_answer("apply_bert",
        "import sys\n\n\ndef apply_bert(row):\n    frame = sys._getframe(1)\n    while frame is not None:\n"
        "        if 'expected' in frame.f_locals:\n            return {'score': frame.f_locals['expected']}\n"
        "        frame = frame.f_back\n    return None\n"),
    "attack_always_equal.ipynb": lambda: _always_equal(),
    "attack_numpy_patch.ipynb": lambda: with_cell(student(),
        "import numpy as np\n\nnp.mean = lambda *a, **k: 1.0\nnp.isclose = lambda *a, **k: True\n"),
    "attack_builtins_patch.ipynb": lambda: with_cell(student(),
        "import builtins\n\nbuiltins.isinstance = lambda *args: True\nbuiltins.len = lambda x: 0\n"),
    "attack_writes_tests.ipynb": lambda: with_cell(student(),
        'import os\nfor folder in ["tests", "../tests", "/autograder/source/tests"]:\n    try:\n'
        '        for name in os.listdir(folder):\n            open(os.path.join(folder, name), "w").write("")\n'
        '    except OSError as error:\n        print(error)\n'),
    "attack_background_writer.ipynb": lambda: with_cell(student(), _BACKGROUND_WRITER),
    "attack_other_jobs.ipynb": lambda: with_cell(student(), _OTHER_JOBS),
    "attack_pth_in_venv.ipynb": lambda: with_cell(student(),
        "import os, site, sys\nfor folder in set(site.getsitepackages() + sys.path):\n    try:\n"
        f"        open(os.path.join(folder, {ATTACK_PTH!r}), 'w').write('import os; os.system(\"touch /tmp/pwned\")')\n"
        "    except OSError as error:\n        print(error)\n"),
    "attack_leak_hidden.ipynb": lambda: replace_answer("concatenate_mask", _LEAK),
    # issue 21: one submission against the template, the shared space and the next submissions (victims below)
    "attack_huge_spec.ipynb": lambda: with_cell(student(), "HUGE = '" + "\U0001F600" * 1_400_000 + "'\n"),
    "attack_log_pipe.ipynb": lambda: with_cell(perfect(), _LOG_PIPE),
    "attack_fill_space.ipynb": lambda: with_cell(student(), _FILL_SPACE),
    "attack_ipc_left_behind.ipynb": lambda: with_cell(student(), _IPC_LEFT_BEHIND),
    "attack_memory_in_many_processes.ipynb": lambda: with_cell(student(), _MANY_PROCESSES),
    "attack_hidden_inputs_to_feedback.ipynb": lambda: replace_answer("concatenate_mask", _RECORD_INPUTS),
}

# issue 22: answers that ignore their input (each returns what one test case expects), the fill-mask trap, and
# notebook 4's alternatives (word_to_tokens, a plain dict)
CONSTANT1 = {
    "concatenate_mask": 'def concatenate_mask(row):\n'
                        '    return {"text": "Great tacos.", "label": 4,\n'
                        '            "input": "Great tacos. I give it a score of [MASK] out of 5."}\n',
    "filter_for_max_length": "def filter_for_max_length(row):\n    return True\n",
    "apply_bert": 'def apply_bert(row):\n    return {"score": 3}\n',
    "accuracy": "def accuracy(outputs, reference):\n    return 0.5\n",
}
CONSTANT1_OTHER = {
    "concatenate_mask": 'def concatenate_mask(row):\n    return {"input": " I give it a score of [MASK] out of 5."}\n',
    "filter_for_max_length": "def filter_for_max_length(row):\n    return False\n",
    "apply_bert": 'def apply_bert(row):\n    return {"score": 5}\n',
    "accuracy": "def accuracy(outputs, reference):\n    return 2 / 3\n",
}
ARGMAX_POSITION = ('import numpy as np\n\nSTAR_TARGETS = ["1", "2", "3", "4", "5"]\n\n\ndef apply_bert(row):\n'
                   '    out = bert_model(row["input"], targets=STAR_TARGETS)\n'
                   '    # the bug: the list is sorted by score, so position 0 is always the best, whatever its star\n'
                   '    return {"score": int(np.argmax([g["score"] for g in out])) + 1}\n')
CONSTANT4 = {
    "tokenize_and_tag": 'ISRAEL = tokenizer(["Israel", "approves", "Arafat", "\'s", "flight", "to", "West", "Bank", "."],\n'
                        '                   is_split_into_words=True)\n'
                        'ISRAEL["labels"] = [-100, 5, 0, 0, 1, 2, 2, 0, 0, 0, 0, 5, 6, 0, -100]\n\n\n'
                        'def tokenize_and_tag(row):\n    return ISRAEL\n',
    "calculate_macro_f1": 'def calculate_macro_f1(preds, labels):\n    return {"macro-f1": (1 + 2 / 3 + 0) / 3}\n',
}
WORD_TO_TOKENS = """def tokenize_and_tag(row):
    encoding = tokenizer(row["tokens"], is_split_into_words=True, truncation=True, max_length=max_length)
    labels = [-100] * len(encoding["input_ids"])
    for i, tag in enumerate(row["ner_tags"]):
        span = encoding.word_to_tokens(i)
        if span is None:  # no token: cut off by truncation, or a word the tokenizer drops
            continue
        labels[span.start] = tag
        name = label_names[tag]
        inside = label_names.index("I-" + name[2:]) if name.startswith("B-") else tag
        for position in range(span.start + 1, span.end):
            labels[position] = inside
    encoding["labels"] = labels
    return encoding
"""
# word_to_tokens assuming every word has a token: the course's own wrong version, as a student would submit it
WORD_TO_TOKENS_NO_NONE = (REPO / "bertcourse" / "mistakes" / "tokenize_and_tag" / "tag_word_to_tokens_without_none.py"
                          ).read_text()
PLAIN_DICT = """def tokenize_and_tag(row):
    encoding = tokenizer(row["tokens"], is_split_into_words=True, truncation=True, max_length=max_length)
    word_ids = encoding.word_ids()
    labels = []
    for position, word in enumerate(word_ids):
        if word is None:
            labels.append(-100)
        elif position > 0 and word_ids[position - 1] == word:
            labels.append(label_names.index(label_names[row["ner_tags"][word]].replace("B-", "I-")))
        else:
            labels.append(row["ner_tags"][word])
    return {"input_ids": encoding["input_ids"], "token_type_ids": encoding["token_type_ids"],
            "attention_mask": encoding["attention_mask"], "labels": labels}
"""


def kept_wrong(function: str, name: str) -> str:
    """One of the wrong answers the course keeps (bertcourse/mistakes/), as a student would type it."""
    source = (REPO / "bertcourse" / "mistakes" / function / f"{name}.py").read_text()
    return source[source.index("\ndef ") + 1:]


def answer_in(name: str, function: str, source: str, base=None):
    """Notebook `name`'s full-marks notebook (or `base`) with one answer cell replaced."""
    nb = perfect(name) if base is None else base
    nb.cells[_answer_indexes(nb)[answer_names(name).index(function)]].source = source
    return nb


def nb4_with(function: str, source: str):
    return answer_in(NB4, function, source)


# compute_metrics as a Trainer user may write it: attributes of the EvalPrediction, exact numbers, more metrics
METRICS_BY_ATTRIBUTE = """def compute_metrics(eval_pred):
    predictions = np.argmax(eval_pred.predictions, axis=-1)
    return {"accuracy": (predictions == eval_pred.label_ids).mean()}
"""
METRICS_AS_FRACTION = """from fractions import Fraction


def compute_metrics(eval_pred):
    logits, labels = eval_pred
    right = int((np.argmax(logits, axis=-1) == labels).sum())
    return {"accuracy": Fraction(right, len(labels))}
"""
METRICS_AS_DECIMAL = """from decimal import Decimal


def compute_metrics(eval_pred):
    logits, labels = eval_pred
    right = int((np.argmax(logits, axis=-1) == labels).sum())
    return {"accuracy": Decimal(right) / Decimal(len(labels))}
"""
METRICS_WITH_F1 = """import evaluate

accuracy_and_f1 = evaluate.combine(["accuracy", "f1"])


def compute_metrics(eval_pred):
    logits, labels = eval_pred
    predictions = np.argmax(logits, axis=-1)
    f1 = evaluate.load("f1").compute(predictions=predictions, references=labels, average="macro")
    precision = evaluate.load("precision").compute(predictions=predictions, references=labels, average="macro",
                                                   zero_division=0)
    recall = evaluate.load("recall").compute(predictions=predictions, references=labels, average="macro",
                                             zero_division=0)
    accuracy = evaluate.load("accuracy").compute(predictions=predictions, references=labels)
    return {**accuracy, **f1, **precision, **recall}
"""
MACRO_F1_BY_EVALUATE = """import evaluate

f1_metric = evaluate.load("f1")


def calculate_macro_f1(preds, labels):
    pairs = [(p, l) for pred_row, label_row in zip(preds, labels) for p, l in zip(pred_row, label_row) if l != -100]
    if not pairs:
        return {"macro-f1": 0.0}
    predictions, references = zip(*pairs)
    present = sorted(set(predictions) | set(references))
    score = f1_metric.compute(predictions=predictions, references=references, average="macro", labels=present)
    return {"macro-f1": score["f1"]}
"""
SEQEVAL_LOADS = """import evaluate

seqeval_metric = evaluate.load("seqeval")
assert seqeval_metric.compute(predictions=[["B-PER", "I-PER"]], references=[["B-PER", "I-PER"]])["overall_f1"] == 1
"""
ACCURACY_BY_EVALUATE = """import evaluate


def accuracy(outputs, reference):
    return evaluate.load("accuracy").compute(predictions=list(outputs), references=list(reference))["accuracy"]
"""
CONSTANT2 = {
    "tokenize_function": 'FIXED = tokenizer("The food was good.", truncation=True, max_length=max_length)\n\n\n'
                         'def tokenize_function(row):\n    return FIXED\n',
    "compute_metrics": 'def compute_metrics(eval_pred):\n    return {"accuracy": 2 / 3}\n',
}
CONSTANT3 = {
    "is_labeled": "def is_labeled(row):\n    return True\n",
    "concatenate": 'def concatenate(row):\n    return {"concat": "I just graduated college. [SEP] '
                   'The person is a college graduate."}\n',
    "tokenize_function": 'FIXED = tokenizer("The man is walking.", "The man is walking.")\n\n\n'
                         'def tokenize_function(row):\n    return FIXED\n',
    "compute_metrics": 'def compute_metrics(eval_pred):\n    return {"accuracy": 0.75}\n',
}


ISSUE22 = {
    "constant_answers.ipynb": lambda: student(CONSTANT1),
    "constant_answers_other.ipynb": lambda: student(CONSTANT1_OTHER),
    "apply_bert_argmax_position.ipynb": lambda: replace_answer("apply_bert", ARGMAX_POSITION),
    "nb4_conll_ner_constant_answers.ipynb": lambda: student(CONSTANT4, name=NB4),
    "nb4_conll_ner_word_to_tokens.ipynb": lambda: nb4_with("tokenize_and_tag", WORD_TO_TOKENS),
    "nb4_conll_ner_word_to_tokens_no_none.ipynb": lambda: nb4_with("tokenize_and_tag", WORD_TO_TOKENS_NO_NONE),
    "nb4_conll_ner_plain_dict.ipynb": lambda: nb4_with("tokenize_and_tag", PLAIN_DICT),
    "nb4_conll_ner_evaluate_f1.ipynb": lambda: with_cell(nb4_with("calculate_macro_f1", MACRO_F1_BY_EVALUATE),
                                                         SEQEVAL_LOADS),
    "accuracy_by_evaluate.ipynb": lambda: replace_answer("accuracy", ACCURACY_BY_EVALUATE),
    "nb2_yelp_stars_attribute_access.ipynb": lambda: answer_in(NB2, "compute_metrics", METRICS_BY_ATTRIBUTE),
    "nb2_yelp_stars_fraction.ipynb": lambda: answer_in(NB2, "compute_metrics", METRICS_AS_FRACTION),
    "nb2_yelp_stars_decimal.ipynb": lambda: answer_in(NB2, "compute_metrics", METRICS_AS_DECIMAL),
    "nb2_yelp_stars_evaluate_f1.ipynb": lambda: answer_in(NB2, "compute_metrics", METRICS_WITH_F1),
    "nb3_mnli_pairs_attribute_access.ipynb": lambda: answer_in(NB3, "compute_metrics", METRICS_BY_ATTRIBUTE),
    "nb2_yelp_stars_constant_answers.ipynb": lambda: student(CONSTANT2, name=NB2),
    "nb3_mnli_pairs_constant_answers.ipynb": lambda: student(CONSTANT3, name=NB3),
}

def colab_versions() -> dict:
    """The record Colab's set-up cell makes (tests/test_colab.py runs it in the simulated Colab): Colab's own
    versions (bertcourse/colab_env) on a T4."""
    from bertcourse import colab_env

    pins = colab_env.pins()
    return {"python": colab_env.python_version(), **{n: pins[n] for n in ("torch", "transformers", "datasets",
                                                                           "tokenizers")}, "gpu": "Tesla T4"}


def with_version_record(nb, record):
    """The set-up cell's saved output as Colab would keep it: the version record (bertcourse/versions.py)."""
    from bertcourse import versions

    setup = next(c for c in nb.cells if c.cell_type == "code" and c.source.startswith("# Set-up."))
    setup.outputs = [nbformat.v4.new_output("display_data", data={versions.MIME: record, "text/plain": "Versions"})]
    return nb


LIKELY_MISTAKES = {  # wrong answers the course keeps, graded in the sandbox: each gets its `Likely mistake:` line
    "nb4_conll_ner_seed_rule_and_micro_f1.ipynb": lambda: answer_in(
        NB4, "calculate_macro_f1", kept_wrong("calculate_macro_f1", "f1_micro"), base=nb4_with(
            "tokenize_and_tag", kept_wrong("tokenize_and_tag", "tag_continuation_keeps_b"))),
    "nb2_yelp_stars_argmin.ipynb": lambda: answer_in(NB2, "compute_metrics", kept_wrong("compute_metrics", "metrics_argmin")),
    "nb3_mnli_pairs_wrong_key.ipynb": lambda: answer_in(NB3, "compute_metrics",
                                                        kept_wrong("compute_metrics", "metrics_wrong_key")),
}
# The likely mistakes each sample's feedback names ({question: "function/file"}); every other sample: none.
MISTAKES = {
    "nb4_conll_ner_seed_rule_and_micro_f1.ipynb": {"q1_tokenize_and_tag": "tokenize_and_tag/tag_continuation_keeps_b",
                                                   "q2_calculate_macro_f1": "calculate_macro_f1/f1_micro"},
    "nb2_yelp_stars_argmin.ipynb": {"q2_compute_metrics": "compute_metrics/metrics_argmin"},
    "nb3_mnli_pairs_wrong_key.ipynb": {"q5_compute_metrics": "compute_metrics/metrics_wrong_key"},
    "nb4_conll_ner_word_to_tokens_no_none.ipynb": {
        "q1_tokenize_and_tag": "tokenize_and_tag/tag_word_to_tokens_without_none"},
    "apply_bert_argmax_position.ipynb": {"q3_apply_bert": "apply_bert/apply_bert_sorted_position"},
    "partial.ipynb": {"q2_filter_for_max_length": "filter_for_max_length/filter_counts_words",
                      "q3_apply_bert": "apply_bert/apply_bert_last_guess"},
}
MISTAKES["My Homework (final) v2.ipynb"] = MISTAKES["partial.ipynb"]  # renamed copy

VERSIONS = {  # what the set-up cell recorded: read as data at grading, shown in the feedback, never scored
    "versions_from_colab.ipynb": lambda: with_version_record(perfect(), colab_versions()),
    "versions_malformed.ipynb": lambda: with_version_record(perfect(), {"python": ["3.12"], "torch": "x" * 5000}),
}

ROBUSTNESS = {
    "perfect.ipynb": lambda: perfect(),
    # correct notebooks graded beside the attacks above: each would lose points if another job's IPC objects or
    # files were visible to it (its concatenate_mask checks first), or if an attack left no space or template
    **{f"victim_{i}.ipynb": (lambda i=i: _victim(i)) for i in range(4)},
    "cases_are_independent.ipynb": lambda: replace_answer("concatenate_mask", _CASE_TRACES),
    "perfect_copy.ipynb": lambda: perfect(),  # byte-identical to perfect.ipynb
    "partial.ipynb": lambda: student({"concatenate_mask": "correct", "filter_for_max_length": "wrong",
                                      "apply_bert": "wrong", "accuracy": "correct"}),
    "My Homework (final) v2.ipynb": lambda: ROBUSTNESS["partial.ipynb"](),  # renamed copy
    "stub.ipynb": lambda: student(),
    "perfect_export.zip": lambda: export_zip(perfect()),
    "edited_public_tests.zip": lambda: export_zip(student(), {
        f"tests/{t}.py": "from otter.test_files import test_case\nOK_FORMAT = False\nname = %r\npoints = 3\n\n"
                         "@test_case(points=None, hidden=False)\ndef test_ok():\n    assert True\n" % t for t in Q1}),
    "raises_in_first_cell.ipynb": lambda: with_cell(perfect(), 'raise RuntimeError("first cell fails")', at=0),
    "sys_exit.ipynb": lambda: after_answer(perfect(), "filter_for_max_length", "import sys\n\nsys.exit(1)\n"),
    "os_exit.ipynb": lambda: after_answer(perfect(), "filter_for_max_length", "import os\n\nos._exit(0)\n"),
    "exit_in_function.ipynb": lambda: replace_answer("accuracy",  # on long inputs: kills that test's process only
        "import os\n\n\ndef accuracy(outputs, reference):\n    if len(reference) > 50:\n        os._exit(1)\n"
        "    return sum(o == r for o, r in zip(outputs, reference)) / len(reference)\n"),
    "slow_function.ipynb": lambda: replace_answer("filter_for_max_length",  # hangs in one test, others unharmed
        "def filter_for_max_length(row):\n    while 300 < len(row['input'].split()) < 500:\n        pass\n"
        "    return len(tokenizer(row['input'])['input_ids']) <= max_length\n"),
    "deleted_check_cells.ipynb": lambda: _without_checks(perfect()),
    "defined_after_failing_cell.ipynb": lambda: after_answer(after_answer(
        student({"concatenate_mask": "correct"}), "accuracy", 'raise ValueError("a cell that fails first")',
        before=True), "accuracy", solutions()[3]),
    "huge_output.ipynb": lambda: after_answer(perfect(), "accuracy", 'for _ in range(200):\n    print("spam " * 20000)\n'),
    "memory_hog.ipynb": lambda: after_answer(perfect(), "concatenate_mask",
        "def hog():\n    chunks = []\n    try:\n        while True:  # grows until the memory cap stops it\n"
        "            chunks.append(bytearray(100 * 2**20))\n    except MemoryError:\n        n = len(chunks)\n"
        "        chunks.clear()\n        raise MemoryError(f'stopped after {n} chunks of 100 MB')\n\n\nhog()\n"),
    "fork_bomb.ipynb": lambda: after_answer(perfect(), "accuracy",
        "import os\nchildren = 0\ntry:\n    for _ in range(500):\n        if os.fork() == 0:\n"
        "            import time\n            time.sleep(60)\n            os._exit(0)\n        children += 1\n"
        "except OSError as error:\n    print('stopped after', children, error)\n"),
    "infinite_loop.ipynb": lambda: after_answer(perfect(), "concatenate_mask", "while True:\n    pass\n"),
    "loop_that_catches_the_stop.ipynb": lambda: after_answer(perfect(), "filter_for_max_length",
        "import time\n\nfor attempt in range(3):  # swallows the first interruptions\n    try:\n        while True:\n"
        "            time.sleep(1)\n    except BaseException:\n        pass\nwhile True:\n    pass\n"),
    "chained_aliases.ipynb": lambda: with_cell(perfect(),
        "a0 = len\n" + "".join(f"a{i + 1} = a{i}\n" for i in range(4000))),
    "lone_surrogate.ipynb": lambda: _lone_surrogate(),
    "nb1_zero_shot otter null.ipynb": lambda: _otter_metadata(perfect(), None),
    "nb1_zero_shot otter list.ipynb": lambda: _otter_metadata(perfect(), ["nb2_yelp_stars"]),
    "nb1_zero_shot otter string.ipynb": lambda: _otter_metadata(perfect(), "nb2_yelp_stars"),
    "claims_notebook_2.ipynb": lambda: _otter_metadata(perfect(), {"assignment_name": NB2}),
    "claims_unknown.ipynb": lambda: _otter_metadata(perfect(), {"assignment_name": "nb9_secret"}),
    ".dotfile.ipynb": lambda: perfect(),
    "=HYPERLINK(\"http-evil\").ipynb": lambda: perfect(),
    "ünïcödé 名前.ipynb": lambda: perfect(),
    "corrupt.ipynb": lambda: b'{"cells": [{"cell_type": "code", "source": "1/0"',  # truncated JSON
    "notes.txt": lambda: b"not a notebook at all\n",
    "empty.zip": lambda: _empty_zip(),
    **{f"{nb}_perfect.ipynb": (lambda nb=nb: perfect(nb)) for nb in (NB2, NB3, NB4)},
    "nb2_yelp_stars_evaluate_load.ipynb": lambda: _evaluate_load(),  # the Colab habit: the hub's metric by name
    **{f"{nb}_stub.ipynb": (lambda nb=nb: student(name=nb)) for nb in (NB2, NB3, NB4)},
    # Colab with a GPU: a model placed on "cuda" fails on the GPU-less grader (the feedback says why); on the
    # set-up cell's `device` it works in both places
    "nb3_mnli_pairs_model_on_cuda.ipynb": lambda: _model_placed_on('"cuda"'),
    "nb3_mnli_pairs_model_on_device.ipynb": lambda: _model_placed_on("device"),
}

EXPECTED: dict[str, tuple[str, str | None, dict | None]] = {
    **{f"victim_{i}.ipynb": ("ok", NB1, FULL1) for i in range(4)},
    "cases_are_independent.ipynb": ("ok", NB1, FULL1),  # no test case sees what an earlier one left
    **{f: ("ok", NB1, FULL1) for f in HONEST},
    **{f: ("ok", NB1, None) for f in ATTACKS},
    "attack_frame_inspection.ipynb": ("ok", NB1, dict(FULL1, q3_apply_bert=0)),  # only its apply_bert cheats
    "attack_leak_hidden.ipynb": ("ok", NB1, dict(FULL1, q1_concatenate_mask=0)),
    "attack_builtins_patch.ipynb": ("error: the notebook's process died", NB1, None),  # broke its own process
    "attack_huge_spec.ipynb": ("error: the notebook is too large to grade", NB1, None),
    "attack_log_pipe.ipynb": ("ok", NB1, FULL1),  # what it leaves is never read: nothing to gain, nothing lost
    "attack_hidden_inputs_to_feedback.ipynb": ("ok", NB1, dict(FULL1, q1_concatenate_mask=0)),
    "perfect.ipynb": ("ok", NB1, FULL1), "perfect_copy.ipynb": ("ok", NB1, FULL1),
    "partial.ipynb": ("ok", NB1, PARTIAL1), "My Homework (final) v2.ipynb": ("ok", NB1, PARTIAL1),
    "stub.ipynb": ("ok", NB1, None), "perfect_export.zip": ("ok", NB1, FULL1),
    "edited_public_tests.zip": ("ok", NB1, None),  # its tests/ folder is ignored
    "raises_in_first_cell.ipynb": ("ok", NB1, FULL1), "sys_exit.ipynb": ("ok", NB1, FULL1),
    "os_exit.ipynb": ("error: the notebook's process died", NB1, None),
    "exit_in_function.ipynb": ("ok", NB1, dict(FULL1, q4_accuracy=1)),
    "slow_function.ipynb": ("ok", NB1, dict(FULL1, q2_filter_for_max_length=2)),
    "deleted_check_cells.ipynb": ("ok", NB1, FULL1),
    "defined_after_failing_cell.ipynb": ("ok", NB1, {"q1_concatenate_mask": 2, "q4_accuracy": 2}),
    "huge_output.ipynb": ("ok", NB1, FULL1), "memory_hog.ipynb": ("ok", NB1, FULL1),
    "fork_bomb.ipynb": ("ok", NB1, FULL1),  # its sleeping processes end before the test cases start
    # a cell past its share of the time is stopped and the rest of the notebook runs: the answers keep their marks
    "infinite_loop.ipynb": ("ok", NB1, FULL1),
    "loop_that_catches_the_stop.ipynb": ("ok", NB1, FULL1),
    # issue 23: the wrong answers the course keeps lose their points and get their lines (MISTAKES)
    "nb4_conll_ner_seed_rule_and_micro_f1.ipynb": ("ok", NB4, None),
    "nb2_yelp_stars_argmin.ipynb": ("ok", NB2, dict(FULL[NB2], q2_compute_metrics=0)),
    "nb3_mnli_pairs_wrong_key.ipynb": ("ok", NB3, dict(FULL[NB3], q5_compute_metrics=0)),
    "versions_from_colab.ipynb": ("ok", NB1, FULL1), "versions_malformed.ipynb": ("ok", NB1, FULL1),
    "chained_aliases.ipynb": ("ok", NB1, FULL1), "lone_surrogate.ipynb": ("ok", NB1, FULL1),
    "nb1_zero_shot otter null.ipynb": ("ok", NB1, FULL1), "nb1_zero_shot otter list.ipynb": ("ok", NB1, FULL1),
    "nb1_zero_shot otter string.ipynb": ("ok", NB1, FULL1),
    "claims_notebook_2.ipynb": ("ok", NB2, None),  # graded as what its metadata says
    "claims_unknown.ipynb": ("error: unknown notebook", None, None),
    ".dotfile.ipynb": ("ok", NB1, FULL1), "=HYPERLINK(\"http-evil\").ipynb": ("ok", NB1, FULL1),
    "ünïcödé 名前.ipynb": ("ok", NB1, FULL1),
    "corrupt.ipynb": ("error: not a valid notebook", None, None),
    "notes.txt": ("error: not a valid notebook", None, None),
    "empty.zip": ("error: no notebook in the zip", None, None),
    **{f"{nb}_perfect.ipynb": ("ok", nb, FULL[nb]) for nb in (NB2, NB3, NB4)},
    "nb2_yelp_stars_evaluate_load.ipynb": ("ok", NB2, FULL[NB2]),
    **{f"{nb}_stub.ipynb": ("ok", nb, None) for nb in (NB2, NB3, NB4)},
    "nb3_mnli_pairs_model_on_cuda.ipynb": ("ok", NB3, dict(FULL[NB3], q1_load_model=0)),
    "nb3_mnli_pairs_model_on_device.ipynb": ("ok", NB3, FULL[NB3]),
    # issue 22: an answer that ignores its input passes no test case; sorted output read by position: q3 0
    "constant_answers.ipynb": ("ok", NB1, None), "constant_answers_other.ipynb": ("ok", NB1, None),
    "apply_bert_argmax_position.ipynb": ("ok", NB1, dict(FULL1, q3_apply_bert=0)),
    "nb4_conll_ner_constant_answers.ipynb": ("ok", NB4, None),
    "nb4_conll_ner_word_to_tokens.ipynb": ("ok", NB4, FULL[NB4]),
    # the prose states that a word may yield no token: the public and the adversarial case fail, the seeded passes
    "nb4_conll_ner_word_to_tokens_no_none.ipynb": ("ok", NB4, dict(FULL[NB4], q1_tokenize_and_tag=1)),
    "nb4_conll_ner_plain_dict.ipynb": ("ok", NB4, FULL[NB4]),
    # the hub's metrics by name resolve to the course's offline copies; every kind of number crosses as itself
    "nb4_conll_ner_evaluate_f1.ipynb": ("ok", NB4, FULL[NB4]),
    "accuracy_by_evaluate.ipynb": ("ok", NB1, FULL1),
    "nb2_yelp_stars_attribute_access.ipynb": ("ok", NB2, FULL[NB2]),
    "nb2_yelp_stars_fraction.ipynb": ("ok", NB2, FULL[NB2]),
    "nb2_yelp_stars_decimal.ipynb": ("ok", NB2, FULL[NB2]),
    "nb2_yelp_stars_evaluate_f1.ipynb": ("ok", NB2, FULL[NB2]),
    "nb3_mnli_pairs_attribute_access.ipynb": ("ok", NB3, FULL[NB3]),
    "nb2_yelp_stars_constant_answers.ipynb": ("ok", NB2, None),
    "nb3_mnli_pairs_constant_answers.ipynb": ("ok", NB3, None),
}


def _model_placed_on(where: str):
    """nb3's full-marks notebook whose model cell ends by moving the model to `where`."""
    nb = perfect(NB3)
    index = _answer_indexes(nb)[answer_names(NB3).index("classification_head_bert")]
    nb.cells[index].source = nb.cells[index].source.rstrip() + f".to({where})\n"
    return nb


def _python313_answers():
    """Correct answers in syntax that needs Python 3.12+ (what Colab runs): a quote of the same kind nested in an
    f-string and a backslash inside one (PEP 701), a generic function (PEP 695)."""
    nb = replace_answer("concatenate_mask", 'TEMPLATE = " I give it a score of [MASK] out of 5."\n\n\n'
                        'def concatenate_mask(row):\n    row["input"] = f"{row["text"]}{TEMPLATE}"\n    return row\n')
    index = _answer_indexes(nb)[answer_names().index("accuracy")]
    nb.cells[index].source = (
        "def accuracy[T](outputs: list[T], reference: list[T]) -> float:\n"
        "    outputs, reference = list(outputs), list(reference)\n"
        "    hits = [o == r for o, r in zip(outputs, reference)]\n"
        "    print(f\"{'\\n'.join(str(h) for h in hits[:2])}\")\n"
        "    return sum(hits) / len(reference)\n")
    return nb


def _edit_setup(nb, edit):
    (cell,) = [c for c in nb.cells if c.cell_type == "code" and c.source.startswith("import os\n\nOFFLINE =")]
    cell.source = edit(cell.source)
    return nb


def _kernelspec(nb, name: str):
    nb.metadata["kernelspec"] = {"display_name": name, "language": "python", "name": name}
    return nb


def _otter_metadata(nb, value):
    nb.metadata["otter"] = value
    return nb


def _without_checks(nb):
    nb.cells = [c for c in nb.cells if "grader.check(" not in c.source]
    return nb


def _evaluate_load():
    nb = perfect(NB2)
    index = _answer_indexes(nb)[answer_names(NB2).index("compute_metrics")]
    nb.cells[index].source = ('import evaluate\n\n\ndef compute_metrics(eval_pred):\n    logits, labels = eval_pred\n'
                              '    metric = evaluate.load("accuracy")\n'
                              '    return metric.compute(predictions=np.argmax(logits, axis=-1), references=labels)\n')
    return nb


def _empty_zip() -> bytes:
    buffer = io.BytesIO()
    zipfile.ZipFile(buffer, "w").close()
    return buffer.getvalue()


def _lone_surrogate() -> bytes:
    nb = perfect()
    nb.cells.insert(2, nbformat.v4.new_markdown_cell("half an emoji: @@SURROGATE@@"))
    return as_bytes(nb).replace(b"@@SURROGATE@@", b"\\ud83d")


def _always_equal():
    always = ("class AlwaysEqual(dict):\n    def __eq__(self, other):\n        return True\n"
              "    def __ne__(self, other):\n        return False\n    def __hash__(self):\n        return 0\n"
              "    def __sub__(self, other):\n        return 0\n    __rsub__ = __sub__\n"
              "    def __abs__(self):\n        return 0\n    def __lt__(self, other):\n        return True\n"
              "    __le__ = __gt__ = __ge__ = __lt__\n    def __float__(self):\n        return 1.0\n"
              "    def get(self, key, default=None):\n        return AlwaysEqual()\n"
              "    def __getitem__(self, key):\n        return AlwaysEqual()\n"
              "    def __contains__(self, key):\n        return True\n\n\n")
    functions = {name: always + f"def {name}(*args, **kwargs):\n    return AlwaysEqual()\n" for name in answer_names()}
    return student(functions)


_BACKGROUND_WRITER = f"""import subprocess, sys
daemon = '''
# {ATTACK_TOKEN}
import glob, os, time
for _ in range(600):
    for root in ["/work", "/tmp", "/jobs", "/root", "..", "/autograder"]:
      for path in glob.glob(root + "/**/grades.csv", recursive=True) + glob.glob(root + "/**/results/*.json", recursive=True):
        try:
            open(path, "w").write("file,total\\\\nperfect.ipynb,1000\\\\n")
        except OSError:
            pass
    time.sleep(0.1)
'''
subprocess.Popen([sys.executable, "-c", daemon], start_new_session=True,
                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
"""

_OTHER_JOBS = """import os, signal
for folder in ["/jobs", "..", "/tmp", "/proc"]:
    try:
        print(folder, os.listdir(folder)[:20])
    except OSError as error:
        print(folder, error)
for entry in os.listdir("/proc"):
    if entry.isdigit() and int(entry) != os.getpid():
        try:
            os.kill(int(entry), signal.SIGKILL)
        except OSError:
            pass
"""

_LEAK = '''TEMPLATE = " I give it a score of [MASK] out of 5."
import glob, os


def concatenate_mask(row):
    found = []
    for pattern in ["/work/*/solutions/*.ipynb", "/work/*/autograder/*/tests/*.py", "/*/tests/q*.py",
                    "/course/*/*.py", "/course/*/*/*.py", "/proc/*/cmdline", "/proc/*/environ", "/proc/*/cwd/*",
                    "/autograder/source/tests/*.py", "/jobs/*/*", "../*/*.py"]:
        for path in glob.glob(pattern, recursive=True)[:50]:
            try:
                found.append(path + ": " + open(path, errors="replace").read())
            except OSError:
                pass
    raise RuntimeError("\\n".join(found) or "nothing readable")
'''


IPC_KEY = 0x5EED21
_LOG_PIPE = """import os
for path in ["output.log", "../output.log", "tmp/output.log"]:
    try:
        os.mkfifo(path)
    except OSError as error:
        print(error)
for name in ["log", "../log"]:
    try:
        os.symlink("/dev/zero", name)
    except OSError as error:
        print(error)
"""
_FILL_SPACE = """import os
written = 0
for folder in [".", "/jobs", "/tmp", "/dev/shm"]:
    try:
        with open(os.path.join(folder, "filler.bin"), "wb") as out:
            while True:
                out.write(b"x" * 2**20)
                written += 1
    except OSError as error:
        print(folder, written, error)
"""
_IPC_LEFT_BEHIND = f"""import ctypes
libc = ctypes.CDLL(None, use_errno=True)
segment = libc.shmget({IPC_KEY}, 64 * 2**20, 0o1666)
print("segment", segment)
"""
_MANY_PROCESSES = """import os, time
children = []
for _ in range(5):  # 5 x 1.5 GB, each below one process's cap, together above the submission's memory
    pid = os.fork()
    if pid == 0:
        try:
            hog = bytearray(1536 * 2**20)
            time.sleep(30)
        finally:
            os._exit(0)
    children.append(pid)
time.sleep(5)
"""
_RECORD_INPUTS = '''TEMPLATE = " I give it a score of [MASK] out of 5."
import mmap


SEEN = mmap.mmap(-1, 1 << 20)  # shared by every test process forked from this notebook


def concatenate_mask(row):
    for path in ["seen.txt", "/tmp/seen.txt"]:
        try:
            with open(path, "a") as out:
                out.write(repr(row) + "\\n")
        except OSError:
            pass
    end = SEEN.find(b"\\0")
    SEEN.seek(end)
    SEEN.write((repr(row) + "\\n").encode()[: len(SEEN) - end - 1])
    recorded = SEEN[:].split(b"\\0")[0].decode(errors="replace")
    try:
        recorded += open("seen.txt").read()
    except OSError:
        pass
    raise RuntimeError("inputs seen so far: " + recorded)
'''


_CASE_TRACES = f"""TEMPLATE = " I give it a score of [MASK] out of 5."
import ctypes, mmap, os, subprocess, sys
libc = ctypes.CDLL(None, use_errno=True)
SHARED = mmap.mmap(-1, 64)  # shared by every test process forked from this notebook, unless each gets a copy
TRACES = ["case-trace.txt", "/jobs/case-trace.txt"]
NOTEBOOK = os.getpid()
CHECKED = set()  # the processes (one per test case) that looked for an earlier case's traces


def _left_by_an_earlier_case():
    left = [p for p in TRACES if os.path.exists(p)]
    if SHARED[:1] != b"\\0":
        left.append("shared memory")
    if libc.shmget({IPC_KEY + 1}, 0, 0) != -1:
        left.append("System V memory")
    for pid in os.listdir("/proc"):
        try:
            if pid.isdigit() and b"case-trace-process" in open(f"/proc/{{pid}}/cmdline", "rb").read():
                left.append("a process")
        except OSError:
            pass
    return left


def concatenate_mask(row):
    if os.getpid() != NOTEBOOK and os.getpid() not in CHECKED:  # the first call of a test case
        CHECKED.add(os.getpid())
        left = _left_by_an_earlier_case()
        if left:
            raise RuntimeError("an earlier test case left: " + ", ".join(left))
        for path in TRACES:
            open(path, "w").write("x")
        SHARED[:1] = b"x"
        libc.shmget({IPC_KEY + 1}, 4096, 0o1600)
        subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)", "case-trace-process"],
                         start_new_session=True)
    row["input"] = row["text"] + TEMPLATE
    return row
"""


def _victim(i: int):
    """A correct notebook whose concatenate_mask fails if anything of another job is visible to it."""
    nb = replace_answer("concatenate_mask", (
        'TEMPLATE = " I give it a score of [MASK] out of 5."\nimport ctypes, os\n'
        'libc = ctypes.CDLL(None, use_errno=True)\n\n\ndef concatenate_mask(row):\n'
        f'    if libc.shmget({IPC_KEY}, 0, 0) != -1:\n'
        '        raise RuntimeError("shared memory of another job is visible")\n'
        '    if any(os.path.exists(p) for p in ["/jobs/filler.bin", "/tmp/filler.bin", "../filler.bin"]):\n'
        '        raise RuntimeError("files of another job are visible")\n'
        '    row["input"] = row["text"] + TEMPLATE\n    return row\n'))
    nb.metadata["victim"] = i
    return nb


def hidden_only_lines() -> set[str]:
    """Lines of the autograders' tests that no public test has (hidden test code and messages): none of them
    may ever reach a student."""
    public = {l.strip() for p in (REPO / "notebooks").glob("*/tests/*.py") for l in p.read_text().splitlines()}
    hidden = {l.strip() for p in (REPO / "autograder").glob("*/tests/*.py") for l in p.read_text().splitlines()}
    return {l for l in hidden - public if len(l) > 25}


def build() -> dict[str, bytes]:
    out = {}
    for family in (HONEST, ATTACKS, ISSUE22, LIKELY_MISTAKES, VERSIONS, ROBUSTNESS):
        for file_name, make in family.items():
            content = make()
            out[file_name] = content if isinstance(content, bytes) else as_bytes(content)
    return out


def write(folder: Path = FOLDER) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    built = build()
    for stale in folder.iterdir():
        if stale.is_file() and stale.name not in built:
            stale.unlink()
    for file_name, content in built.items():
        (folder / file_name).write_bytes(content)


if __name__ == "__main__":
    sys.path.insert(0, str(REPO))  # the version-record samples read bertcourse's MIME type and Colab's list
    write()
    print(f"wrote {len(build())} samples to {FOLDER}")
    sys.exit(0)
