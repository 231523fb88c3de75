"""Entity-level precision, recall and F1 of tag sequences, computed by the seqeval library.

The course's own `evaluate` metric module with the hub's "seqeval" interface and result (one dict per entity
type, then overall_precision, overall_recall, overall_f1, overall_accuracy), so that a student's
`evaluate.load("seqeval")` works at grading, which has no hub access.
"""

import importlib

import datasets
import evaluate
from seqeval.metrics import accuracy_score, classification_report


class Seqeval(evaluate.Metric):
    def _info(self):
        return evaluate.MetricInfo(
            description="Entity-level scores of IOB tag sequences, by seqeval.metrics.classification_report.",
            citation="",
            inputs_description="predictions, references: lists of tag lists, e.g. [['B-PER', 'I-PER', 'O']]",
            features=datasets.Features({
                "predictions": datasets.Sequence(datasets.Value("string", id="label"), id="sequence"),
                "references": datasets.Sequence(datasets.Value("string", id="label"), id="sequence"),
            }),
        )

    def _compute(self, predictions, references, suffix=False, scheme=None, mode=None, sample_weight=None,
                 zero_division="warn"):
        if scheme is not None:
            scheme_class = getattr(importlib.import_module("seqeval.scheme"), scheme, None)
            if scheme_class is None:
                raise ValueError(f"Scheme should be one of [IOB1, IOB2, IOE1, IOE2, IOBES, BILOU], got {scheme}")
            scheme = scheme_class
        report = classification_report(y_true=references, y_pred=predictions, suffix=suffix, output_dict=True,
                                       scheme=scheme, mode=mode, sample_weight=sample_weight,
                                       zero_division=zero_division)
        report.pop("macro avg")
        report.pop("weighted avg")
        overall = report.pop("micro avg")
        scores = {name: {"precision": s["precision"], "recall": s["recall"], "f1": s["f1-score"],
                         "number": s["support"]} for name, s in report.items()}
        scores["overall_precision"] = overall["precision"]
        scores["overall_recall"] = overall["recall"]
        scores["overall_f1"] = overall["f1-score"]
        scores["overall_accuracy"] = accuracy_score(y_true=references, y_pred=predictions)
        return scores
