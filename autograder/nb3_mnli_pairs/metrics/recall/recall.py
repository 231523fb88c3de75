"""Recall, computed by scikit-learn.

The course's own `evaluate` metric module with the hub's "recall" interface (`average`, `labels`, `pos_label`,
`sample_weight`, `zero_division`), so that a student's `evaluate.load("recall")` works at grading, which has no
hub access.
"""

import datasets
import evaluate
import numpy as np
from sklearn.metrics import recall_score


class Recall(evaluate.Metric):
    def _info(self):
        return evaluate.MetricInfo(
            description="Recall, by sklearn.metrics.recall_score.",
            citation="",
            inputs_description="predictions, references: class ids; average: 'binary' (default), 'macro', ...",
            features=datasets.Features({"predictions": datasets.Value("int64"),
                                        "references": datasets.Value("int64")}),
        )

    def _compute(self, predictions, references, labels=None, pos_label=1, average="binary", sample_weight=None,
                 zero_division="warn"):
        score = recall_score(references, predictions, labels=labels, pos_label=pos_label, average=average,
                         sample_weight=sample_weight, zero_division=zero_division)
        return {"recall": float(score) if np.ndim(score) == 0 else score}
