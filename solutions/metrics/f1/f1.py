"""F1: the harmonic mean of precision and recall, computed by scikit-learn.

The course's own `evaluate` metric module with the hub's "f1" interface (`average`, `labels`, `pos_label`,
`sample_weight`), so that a student's `evaluate.load("f1")` works at grading, which has no hub access.
"""

import datasets
import evaluate
import numpy as np
from sklearn.metrics import f1_score


class F1(evaluate.Metric):
    def _info(self):
        return evaluate.MetricInfo(
            description="F1 = 2 * precision * recall / (precision + recall), by sklearn.metrics.f1_score.",
            citation="",
            inputs_description="predictions, references: class ids; average: 'binary' (default), 'macro', ...",
            features=datasets.Features({"predictions": datasets.Value("int64"),
                                        "references": datasets.Value("int64")}),
        )

    def _compute(self, predictions, references, labels=None, pos_label=1, average="binary", sample_weight=None):
        score = f1_score(references, predictions, labels=labels, pos_label=pos_label, average=average,
                         sample_weight=sample_weight)
        return {"f1": float(score) if np.ndim(score) == 0 else score}
