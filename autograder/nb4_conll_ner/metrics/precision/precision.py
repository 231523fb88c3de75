"""Precision, computed by scikit-learn.

The course's own `evaluate` metric module with the hub's "precision" interface (`average`, `labels`, `pos_label`,
`sample_weight`, `zero_division`), so that a student's `evaluate.load("precision")` works at grading, which has no
hub access.
"""

import datasets
import evaluate
import numpy as np
from sklearn.metrics import precision_score


class Precision(evaluate.Metric):
    def _info(self):
        return evaluate.MetricInfo(
            description="Precision, by sklearn.metrics.precision_score.",
            citation="",
            inputs_description="predictions, references: class ids; average: 'binary' (default), 'macro', ...",
            features=datasets.Features({"predictions": datasets.Value("int64"),
                                        "references": datasets.Value("int64")}),
        )

    def _compute(self, predictions, references, labels=None, pos_label=1, average="binary", sample_weight=None,
                 zero_division="warn"):
        score = precision_score(references, predictions, labels=labels, pos_label=pos_label, average=average,
                         sample_weight=sample_weight, zero_division=zero_division)
        return {"precision": float(score) if np.ndim(score) == 0 else score}
