"""The course's own `evaluate` accuracy module (used offline) against independent computations.

Online the notebooks call `evaluate.load("accuracy")`, which fetches the hub's script; that cannot load here
(no hub access), so it cannot be compared directly. The offline module must give the values the hub metric
defines (fraction of equal predictions): checked against scikit-learn and a plain count, through the same
`evaluate.load(<local path>)` code path the notebooks use."""

from __future__ import annotations

import random

import evaluate
import pytest
from sklearn.metrics import accuracy_score

from bertcourse import paths


@pytest.fixture(scope="module")
def local_accuracy():
    return evaluate.load(str(paths.SOLUTIONS / "metrics" / "accuracy"))


def test_local_accuracy_matches_sklearn_and_a_plain_count(local_accuracy):
    rng = random.Random(0)
    for n in [1, 2, 10, 333]:
        predictions = [rng.randint(0, 4) for _ in range(n)]
        references = [rng.randint(0, 4) for _ in range(n)]
        got = local_accuracy.compute(predictions=predictions, references=references)["accuracy"]
        assert got == accuracy_score(references, predictions)
        assert got == sum(p == r for p, r in zip(predictions, references)) / n


def test_local_accuracy_rejects_no_predictions(local_accuracy):
    with pytest.raises(ValueError):
        local_accuracy.compute(predictions=[], references=[])
