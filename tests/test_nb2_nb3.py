"""Checks specific to notebook 2 (Yelp stars) and notebook 3 (MNLI pairs).

1. The autograder's own test files (public + hidden) take points from plausible wrong answers, and give full
   marks to the solution, run in-process through otter's ExceptionTestFile (what `otter run` uses) with the
   globals the notebook provides (tokenizer, max_length, MODEL_ID, label_names).
2. The course's offline `evaluate` accuracy module gives the numbers the notebooks' `compute_metrics` gives.
   Online the notebooks call `evaluate.load("accuracy")`, which fetches the hub's script: that cannot load here
   (no hub access), so this is NOT a comparison with the hub metric. What is checked: the module loads through
   `evaluate.load("metrics/accuracy")` (the exact string the notebooks use offline, evaluate's local-module
   path) and agrees with a plain count, with scikit-learn and with the solution's `compute_metrics`.
3. The offline run of each solution (shared with the other notebook tests through course_runs.offline_run):
   learns far above chance, metrics agree between the Trainer and `evaluate`, padding numbers are printed,
   labels are readable in pipeline output, plots render, the [SEP] / sentence-pair demo shows what it claims.
"""

from __future__ import annotations

import random
import re

import nbformat
import pytest
from otter.test_files import ExceptionTestFile

from bertcourse import fixtures, paths
from bertcourse.execute import link_course_data, outputs_text
from course_runs import offline_run
import samples

NB2, NB3 = "nb2_yelp_stars", "nb3_mnli_pairs"


# ------------------------------------------------------------------ 1. wrong answers lose points
@pytest.fixture(scope="module")
def notebook_globals():
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(paths.TINY_BERT))
    return {"tokenizer": tokenizer, "max_length": tokenizer.model_max_length, "MODEL_ID": "offline/tiny-bert-cased",
            "label_names": list(fixtures.MNLI_LABELS)}


def _grade(name: str, question: str, source: str, env: dict, monkeypatch) -> tuple[float, float]:
    monkeypatch.chdir(paths.SOLUTIONS)  # where "offline/..." resolves, as in the grading folder
    env = dict(env)
    exec(compile("import numpy as np\nfrom transformers import AutoModelForSequenceClassification, set_seed\n"
                 + source, question, "exec"), env)
    answer = "classification_head_bert" if question == "q1_load_model" else question.split("_", 1)[1]
    assert answer in env, f"the answer under test does not define {answer}"  # a broken harness fails here
    scores = []
    for namespace in (env, _through_the_boundary(env, answer)):
        test_file = ExceptionTestFile.from_file(str(paths.AUTOGRADER / name / "tests" / f"{question}.py"))
        test_file.run(namespace)
        scores.append((test_file.score, test_file.possible))
    assert scores[0] == scores[1], f"plain otter gives {scores[0]}, the batch grader's plain data {scores[1]}"
    return scores[0]


def _through_the_boundary(env: dict, answer: str) -> dict:
    """`env` as the batch grader's tests see it: the answer reached only through plain data (bertcourse/boundary/plain.py),
    arguments decoded into real objects on the student's side, results decoded on the grader's."""
    from bertcourse.boundary import plain
    from bertcourse.sandboxed.student_side import _is_object_sent_as_data

    value = env[answer]
    if callable(value) and not _is_object_sent_as_data(value):
        def remote(*args, **kwargs):
            args = plain.decode(plain.encode(list(args)), real_objects=True)
            kwargs = plain.decode(plain.encode(kwargs), real_objects=True)
            return plain.decode(plain.encode(value(*args, **kwargs)))

        return {**env, answer: remote}
    return {**env, answer: plain.decode(plain.encode(value))}


def _solution_source(name: str, question: str) -> str:
    """The solution code of `question`, as otter assign left it in the autograder notebook."""
    nb = nbformat.read(paths.AUTOGRADER / name / f"{name}.ipynb", as_version=4)
    code = [c.source for c in nb.cells if c.cell_type == "code"]
    marker = {"q1_load_model": "classification_head_bert = AutoModel"}.get(question)
    if marker is None:
        function = question.split("_", 1)[1]
        marker = f"def {function}("
    (source,) = [s for s in code if marker in s and not s.lstrip().startswith(("def test_", '"""'))]
    return source


TOKENIZE = "def tokenize_function(row):\n    return {}\n"
METRIC = "def compute_metrics(eval_pred):\n    logits, labels = eval_pred\n{}\n"
MODEL = "set_seed(42)\nclassification_head_bert = {}\n"

WRONG = {
    # notebook 2, question 1: tokenize_function on row["text"]
    (NB2, "q1_tokenize_function", "seed_pads_to_512"):
        TOKENIZE.format('tokenizer(row["text"], padding="max_length", truncation=True, max_length=max_length)'),
    (NB2, "q1_tokenize_function", "no_truncation"): TOKENIZE.format('tokenizer(row["text"])'),
    (NB2, "q1_tokenize_function", "truncates_to_510"):
        TOKENIZE.format('tokenizer(row["text"], truncation=True, max_length=max_length - 2)'),
    (NB2, "q1_tokenize_function", "input_ids_only"):
        TOKENIZE.format('{"input_ids": tokenizer(row["text"], truncation=True, max_length=max_length)["input_ids"]}'),
    (NB2, "q1_tokenize_function", "lowercases"):
        TOKENIZE.format('tokenizer(row["text"].lower(), truncation=True, max_length=max_length)'),
    (NB2, "q1_tokenize_function", "cuts_510_words"):
        TOKENIZE.format('tokenizer(" ".join(row["text"].split()[:510]))'),
    # notebook 2, question 2 / notebook 3, question 5: compute_metrics
    # (the wrong versions the course keeps, bertcourse/mistakes/compute_metrics/: each also gets its feedback line)
    **{(nb, q, path.stem): samples.kept_wrong("compute_metrics", path.stem)
       for nb, q in [(NB2, "q2_compute_metrics"), (NB3, "q5_compute_metrics")]
       for path in sorted((paths.REPO / "bertcourse" / "mistakes" / "compute_metrics").glob("*.py"))},
    # notebook 3, question 1: the model
    (NB3, "q1_load_model", "seed_no_label_names"):
        MODEL.format("AutoModelForSequenceClassification.from_pretrained(MODEL_ID, num_labels=3)"),
    (NB3, "q1_load_model", "seed_reversed_label_order"): MODEL.format(
        "AutoModelForSequenceClassification.from_pretrained(MODEL_ID, num_labels=3, "
        "id2label={0: 'contradiction', 1: 'neutral', 2: 'entailment'}, "
        "label2id={'contradiction': 0, 'neutral': 1, 'entailment': 2})"),
    (NB3, "q1_load_model", "five_labels"): MODEL.format(
        "AutoModelForSequenceClassification.from_pretrained(MODEL_ID, num_labels=5)"),
    (NB3, "q1_load_model", "masked_lm_head"):
        "from transformers import AutoModelForMaskedLM\n" + MODEL.format("AutoModelForMaskedLM.from_pretrained(MODEL_ID)"),
    # notebook 3, question 2: is_labeled
    (NB3, "q2_is_labeled", "truthy_label"): "def is_labeled(row):\n    return bool(row['label'])\n",
    (NB3, "q2_is_labeled", "positive_only"): "def is_labeled(row):\n    return row['label'] > 0\n",
    (NB3, "q2_is_labeled", "always_true"): "def is_labeled(row):\n    return True\n",
    (NB3, "q2_is_labeled", "drops_two"): "def is_labeled(row):\n    return row['label'] in (0, 1)\n",
    # notebook 3, question 3: concatenate
    (NB3, "q3_concatenate", "reversed"):
        "def concatenate(row):\n    row['concat'] = row['hypothesis'] + ' [SEP] ' + row['premise']\n    return row\n",
    (NB3, "q3_concatenate", "no_spaces"):
        "def concatenate(row):\n    row['concat'] = row['premise'] + '[SEP]' + row['hypothesis']\n    return row\n",
    (NB3, "q3_concatenate", "strips"): "def concatenate(row):\n"
        "    row['concat'] = row['premise'].strip() + ' [SEP] ' + row['hypothesis'].strip()\n    return row\n",
    (NB3, "q3_concatenate", "join_words"):
        "def concatenate(row):\n    row['concat'] = ' [SEP] '.join([row['premise'].strip(), row['hypothesis'].strip()])"
        "\n    return row\n",
    # notebook 3, question 4: tokenize_function on the pair (premise, hypothesis)
    (NB3, "q4_tokenize_function", "seed_pads_to_512"): TOKENIZE.format(
        'tokenizer(row["premise"], row["hypothesis"], padding="max_length", truncation=True, max_length=max_length)'),
    (NB3, "q4_tokenize_function", "no_truncation"): TOKENIZE.format('tokenizer(row["premise"], row["hypothesis"])'),
    (NB3, "q4_tokenize_function", "joined_string"): TOKENIZE.format(
        'tokenizer(row["premise"] + " [SEP] " + row["hypothesis"], truncation=True, max_length=max_length)'),
    (NB3, "q4_tokenize_function", "reversed_pair"): TOKENIZE.format(
        'tokenizer(row["hypothesis"], row["premise"], truncation=True, max_length=max_length)'),
    (NB3, "q4_tokenize_function", "truncates_the_first_only"): TOKENIZE.format(
        'tokenizer(row["premise"], row["hypothesis"], truncation="only_first", max_length=max_length)'),
}

# Correct answers written differently from the solution: each must keep full marks (the prose allows them all).
CORRECT = {
    (NB2, "q1_tokenize_function", "default_max_length"): TOKENIZE.format('tokenizer(row["text"], truncation=True)'),
    (NB2, "q1_tokenize_function", "keyword_and_512"):
        TOKENIZE.format('tokenizer(text=row["text"], truncation=True, max_length=512)'),
    **{(nb, q, kind): source for nb, q in [(NB2, "q2_compute_metrics"), (NB3, "q5_compute_metrics")] for kind, source in {
        "numpy_float32": METRIC.format(
            "    return {'accuracy': np.float32((np.argmax(logits, axis=-1) == labels).mean())}"),
        "numpy_mean": METRIC.format("    return {'accuracy': (np.asarray(logits).argmax(-1) == np.asarray(labels)).mean()}"),
        "torch": METRIC.format(
            "    import torch\n    predictions = torch.as_tensor(logits).argmax(dim=-1)\n"
            "    return {'accuracy': (predictions == torch.as_tensor(labels)).float().mean()}"),
        "sklearn": METRIC.format(
            "    from sklearn.metrics import accuracy_score\n"
            "    return {'accuracy': accuracy_score(labels, np.argmax(logits, axis=-1))}"),
    }.items()},
    (NB3, "q1_load_model", "literal_names"): MODEL.format(
        "AutoModelForSequenceClassification.from_pretrained(MODEL_ID, num_labels=3, "
        "id2label={0: 'entailment', 1: 'neutral', 2: 'contradiction'}, "
        "label2id={'entailment': 0, 'neutral': 1, 'contradiction': 2})"),
    (NB3, "q1_load_model", "string_keys"): MODEL.format(
        "AutoModelForSequenceClassification.from_pretrained(MODEL_ID, "
        "id2label={str(i): name for i, name in enumerate(label_names)}, "
        "label2id={name: i for i, name in enumerate(label_names)})"),
    (NB3, "q2_is_labeled", "non_negative"): "def is_labeled(row):\n    return row['label'] >= 0\n",
    (NB3, "q2_is_labeled", "one_of_three"): "def is_labeled(row):\n    return row['label'] in (0, 1, 2)\n",
    (NB3, "q3_concatenate", "new_dict_only"):
        "def concatenate(row):\n    return {'concat': row['premise'] + ' [SEP] ' + row['hypothesis']}\n",
    (NB3, "q3_concatenate", "f_string"):
        "def concatenate(row):\n    row['concat'] = f\"{row['premise']} [SEP] {row['hypothesis']}\"\n    return row\n",
    (NB3, "q3_concatenate", "join"):
        "def concatenate(row):\n    return {**row, 'concat': ' [SEP] '.join([row['premise'], row['hypothesis']])}\n",
    (NB3, "q4_tokenize_function", "keywords"): TOKENIZE.format(
        'tokenizer(text=row["premise"], text_pair=row["hypothesis"], truncation="longest_first", max_length=max_length)'),
    (NB3, "q4_tokenize_function", "default_max_length"):
        TOKENIZE.format('tokenizer(row["premise"], row["hypothesis"], truncation=True)'),
}

QUESTIONS = sorted({(nb, q) for nb, q, _ in WRONG})


@pytest.mark.parametrize("name,question", QUESTIONS, ids=[q for _, q in QUESTIONS])
def test_solution_scores_full_marks_in_this_harness(name, question, notebook_globals, monkeypatch):
    score, possible = _grade(name, question, _solution_source(name, question), notebook_globals, monkeypatch)
    assert possible > 0 and score == possible, f"{name} {question}: the solution scores {score}/{possible}"


@pytest.mark.parametrize("key", list(WRONG), ids=["-".join(k[1:]) for k in WRONG])
def test_wrong_answer_loses_points(key, notebook_globals, monkeypatch):
    name, question, _ = key
    score, possible = _grade(name, question, WRONG[key], notebook_globals, monkeypatch)
    assert score < possible, f"{key} kept full marks:\n{WRONG[key]}"


@pytest.mark.parametrize("key", list(CORRECT), ids=["-".join(k[1:]) for k in CORRECT])
def test_correct_alternative_keeps_full_marks(key, notebook_globals, monkeypatch):
    name, question, _ = key
    score, possible = _grade(name, question, CORRECT[key], notebook_globals, monkeypatch)
    assert possible > 0 and score == possible, f"{key} lost points ({score}/{possible}):\n{CORRECT[key]}"


def test_every_question_has_wrong_answers():
    for name, n_questions in [(NB2, 2), (NB3, 5)]:
        questions = {q for nb, q in QUESTIONS if nb == name}
        assert len(questions) == n_questions, f"{name}: wrong answers cover only {sorted(questions)}"


# ------------------------------------------------------------------ 2. the offline accuracy metric
def test_offline_accuracy_module_agrees_with_count_sklearn_and_compute_metrics(tmp_path, monkeypatch):
    import evaluate
    import numpy as np
    from sklearn.metrics import accuracy_score

    link_course_data(tmp_path)  # the notebook's working folder, as execute.py and the grader lay it out
    monkeypatch.chdir(tmp_path)
    metric = evaluate.load("metrics/accuracy")  # the notebooks' ACCURACY_ID when OFFLINE
    assert isinstance(metric, evaluate.Metric) and metric.name == "accuracy"
    env: dict = {}
    exec("import numpy as np\n" + _solution_source(NB2, "q2_compute_metrics"), env)
    rng = random.Random(3)
    for n in [1, 7, 160, 1000]:
        n_classes = rng.choice([3, 5])
        logits = [[float(rng.randint(-2, 2)) for _ in range(n_classes)] for _ in range(n)]
        labels = [rng.randrange(n_classes) for _ in range(n)]
        predictions = [row.index(max(row)) for row in logits]
        count = sum(p == y for p, y in zip(predictions, labels)) / n
        got = metric.compute(predictions=predictions, references=labels)["accuracy"]
        assert got == count == accuracy_score(labels, predictions)
        assert env["compute_metrics"]((np.array(logits), np.array(labels)))["accuracy"] == got


@pytest.mark.parametrize("name", ["f1", "precision", "recall"])
def test_offline_classification_metrics_agree_with_sklearn(name, tmp_path, monkeypatch):
    """The course's copies of the hub's f1, precision and recall (what a student's evaluate.load(name) gets at
    grading) take the hub's arguments and give scikit-learn's numbers."""
    import evaluate
    import numpy as np
    import sklearn.metrics

    link_course_data(tmp_path)
    monkeypatch.chdir(tmp_path)
    metric = evaluate.load(f"metrics/{name}")
    reference = getattr(sklearn.metrics, f"{name}_score")
    rng = random.Random(13)
    for n in [2, 9, 200]:
        labels = [rng.randrange(3) for _ in range(n)]
        predictions = [rng.randrange(3) for _ in range(n)]
        for average in ["macro", "micro", "weighted"]:
            got = metric.compute(predictions=predictions, references=labels, average=average)[name]
            assert type(got) is float and got == pytest.approx(float(reference(labels, predictions, average=average)))
        binary = [p % 2 for p in predictions], [y % 2 for y in labels]
        assert metric.compute(predictions=binary[0], references=binary[1])[name] == pytest.approx(
            float(reference(binary[1], binary[0])))
        per_class = metric.compute(predictions=predictions, references=labels, average=None)[name]
        assert np.allclose(per_class, reference(labels, predictions, average=None))


def test_offline_seqeval_metric_agrees_with_seqeval(tmp_path, monkeypatch):
    import evaluate
    from seqeval.metrics import classification_report, f1_score

    link_course_data(tmp_path)
    monkeypatch.chdir(tmp_path)
    metric = evaluate.load("metrics/seqeval")
    references = [["B-PER", "I-PER", "O", "B-LOC"], ["B-ORG", "O"]]
    predictions = [["B-PER", "I-PER", "O", "O"], ["B-ORG", "B-MISC"]]
    got = metric.compute(predictions=predictions, references=references)
    report = classification_report(references, predictions, output_dict=True)
    assert got["overall_f1"] == pytest.approx(f1_score(references, predictions))
    assert {k for k in got if not k.startswith("overall_")} == {"PER", "LOC", "ORG", "MISC"}
    assert got["PER"] == {"precision": 1.0, "recall": 1.0, "f1": 1.0, "number": 1}
    assert got["LOC"]["number"] == report["LOC"]["support"] == 1 and got["LOC"]["recall"] == 0
    assert got["overall_accuracy"] == pytest.approx(4 / 6)


def test_offline_accuracy_module_rejects_no_predictions(tmp_path, monkeypatch):
    import evaluate

    link_course_data(tmp_path)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ValueError):
        evaluate.load("metrics/accuracy").compute(predictions=[], references=[])


# ------------------------------------------------------------------ 3. the offline runs
def _cell_output(executed, marker: str) -> str:
    (cell,) = [c for c in executed.cells if c.cell_type == "code" and marker in c.source]
    return outputs_text(nbformat.v4.new_notebook(cells=[cell]))


def test_nb2_learns_and_metrics_agree():
    _, seconds, values = offline_run(NB2)
    assert values["test_accuracy"] >= 0.5, f"test accuracy {values['test_accuracy']:.3f} (chance 0.2)"
    # the Trainer's compute_metrics and evaluate's accuracy on the same test rows: the same number
    assert abs(values["test_metrics"]["test_accuracy"] - values["test_accuracy"]) < 1e-9
    # evaluate's Evaluator, given the saved model's folder, scores the same rows the same
    assert abs(values["evaluator_results"]["accuracy"] - values["test_accuracy"]) < 1e-9
    assert len(values["eval_acc"]) == len(values["train_loss"]) == 3, "one log entry per epoch"
    print(f"{NB2}: offline run {seconds:.0f} s, test accuracy {values['test_accuracy']:.3f}")


def test_nb2_and_nb3_show_the_load_report_that_names_the_new_head():
    """Library chatter is hidden only after the model is loaded: the report that calls the head's weights newly
    initialised (which is why the model must be trained) is what the prose explains."""
    for name, marker in [(NB2, "print(model.classifier)"), (NB3, "classification_head_bert = AutoModelFor")]:
        executed, _, _ = offline_run(name)
        report = _cell_output(executed, marker)
        assert "MISSING" in report and "classifier.weight" in report and "classifier.bias" in report, report[:800]


def test_nb2_watches_validation_rows_from_train_and_scores_test_rows_once():
    """Validation rows come from the training split, apart from the training rows; the test split is scored
    once, after training."""
    executed, _, _ = offline_run(NB2)
    source = "\n".join(c.source for c in executed.cells if c.cell_type == "code")
    assert "eval_dataset=validation_data" in source and "trainer.predict(test_data)" in source
    assert 'validation_data = shuffled_train.select(range(n_train, n_train + n_eval))' in source
    assert 'train_data = shuffled_train.select(range(n_train))' in source


def test_nb2_padding_numbers_labels_and_plots():
    executed, _, values = offline_run(NB2)
    assert values["label_names"] == fixtures.YELP_LABELS
    real, to_512, per_batch = values["real_tokens"], values["padded_to_512"], values["padded_per_batch"]
    assert real < per_batch < to_512
    printed = _cell_output(executed, "padded_per_batch")
    assert f"{1 - real / to_512:.0%}" in printed and f"{1 - real / per_batch:.0%}" in printed
    pipeline_out = _cell_output(executed, 'pipeline("text-classification"')
    assert "LABEL_" not in pipeline_out
    assert len(re.findall(r"\b[1-5] stars?\b", pipeline_out)) == 5, pipeline_out
    images = [o for c in executed.cells for o in c.get("outputs", []) if "image/png" in o.get("data", {})]
    assert len(images) == 2, "the confusion matrix and the loss/accuracy curves render inline"


def test_nb3_learns_on_both_validation_sets():
    _, seconds, values = offline_run(NB3)
    for key in ["matched_accuracy", "mismatched_accuracy"]:
        assert values[key] >= 0.6, f"{key} = {values[key]:.3f} (chance 0.33)"
    print(f"{NB3}: offline run {seconds:.0f} s, matched {values['matched_accuracy']:.3f}, "
          f"mismatched {values['mismatched_accuracy']:.3f}")


def test_nb3_label_order_pair_demo_and_pipeline_labels():
    executed, _, values = offline_run(NB3)
    assert values["label_names"] == ["entailment", "neutral", "contradiction"]
    demo = _cell_output(executed, "paired = tokenizer(premise, hypothesis)")
    joined_tokens, paired_tokens = re.findall(r"^(?:joined|paired): (\[.*\])$", demo, re.M)
    assert joined_tokens == paired_tokens and joined_tokens.count("'[SEP]'") == 2
    joined_types, paired_types = re.findall(r"token_type_ids (\[.*\])$", demo, re.M)
    assert set(eval(joined_types)) == {0} and sorted(set(eval(paired_types))) == [0, 1]
    pipeline_out = _cell_output(executed, 'pipeline("text-classification"')
    assert "LABEL_" not in pipeline_out
    assert len(re.findall(r"\b(entailment|neutral|contradiction)\b", pipeline_out)) == 3, pipeline_out
