"""Accuracy: the fraction of predictions equal to their reference label.

The course's own `evaluate` metric module, so that `evaluate.load("metrics/accuracy")` works with no hub
access; online the notebooks load the hub's "accuracy", which computes the same number.
"""

import datasets
import evaluate

_DESCRIPTION = "Accuracy = (number of predictions equal to their reference) / (number of predictions)."
_KWARGS = """
Args:
    predictions (list of int): predicted class ids.
    references (list of int): true class ids, same length.
Returns:
    {"accuracy": float in [0, 1]}
"""


class Accuracy(evaluate.Metric):
    def _info(self):
        return evaluate.MetricInfo(
            description=_DESCRIPTION,
            citation="",
            inputs_description=_KWARGS,
            features=datasets.Features({"predictions": datasets.Value("int64"),
                                        "references": datasets.Value("int64")}),
        )

    def _compute(self, predictions, references):
        if len(predictions) == 0:
            raise ValueError("accuracy of zero predictions is undefined")
        correct = sum(int(p) == int(r) for p, r in zip(predictions, references))
        return {"accuracy": correct / len(predictions)}
