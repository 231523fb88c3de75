"""The probe inputs of likely-mistake feedback (bertcourse/mistakes/__init__.py), and how outputs compare.

Probes are the course's own inputs, chosen so that the right answer and every kept wrong implementation of a
function give different outcomes (tests/test_mistakes.py checks it); they are not the hidden tests' inputs and
never appear in feedback. Outputs are compared as plain data (after the same encoding a student's value
crosses the sandbox boundary with), numbers rounded to 6 places.
"""

from __future__ import annotations

import copy
import functools
import re

CONLL_TAGS = ["O", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC", "B-MISC", "I-MISC"]
MODEL_ID = "offline/tiny-bert-cased"  # grading runs offline: the notebook's tokenizer and model are these
CLASSES = {"nb2_yelp_stars": 5, "nb3_mnli_pairs": 3}  # compute_metrics: logits per row
STAR_TEMPLATE = " I give it a score of [MASK] out of 5."
KEY = {"calculate_macro_f1": "macro-f1", "compute_metrics": "accuracy", "apply_bert": "score"}  # the asked-for key


@functools.lru_cache(maxsize=None)
def context(notebook: str, function: str) -> dict:
    """The globals the notebook's set-up gives `function` (the master's set-up cells, as at grading). Loaded
    once per process; callers copy it before running code in it."""
    import numpy as np

    out = {"np": np, "__name__": "probe"}
    if function in ("tokenize_and_tag", "filter_for_max_length"):
        from transformers import AutoTokenizer

        out["tokenizer"] = AutoTokenizer.from_pretrained(MODEL_ID)
        out["max_length"] = out["tokenizer"].model_max_length
        out["label_names"] = list(CONLL_TAGS)
    if function == "apply_bert":
        from transformers import pipeline

        out["bert_model"] = pipeline("fill-mask", model=MODEL_ID, device=-1)
    return out


def _repeat_to(tokenizer, word: str, tokens: int) -> str:
    """`word` repeated so that the text is exactly `tokens` tokens long, [CLS] and [SEP] included."""
    count = max(1, tokens - 2)
    while len(tokenizer(" ".join([word] * count))["input_ids"]) > tokens:
        count -= 1
    return " ".join([word] * count)


def arguments(notebook: str, function: str, context: dict) -> list[tuple]:
    """The probes: one tuple of arguments per call."""
    if function == "tokenize_and_tag":
        rows = [(["Tanaka", "visited", "Pennsylvania", "with", "Goydos"], [1, 0, 5, 0, 1]),
                (["Hidemichi", "Mayfair", "(", "Callison", ")"], [1, 2, 0, 3, 0]),
                (["Goydos", "\u200b", "Hidemichi", "won"], [7, 0, 8, 0]),
                (["Arafat"] * 260, [1, 2] * 130)]
        return [({"tokens": tokens, "ner_tags": tags, "id": str(i)},) for i, (tokens, tags) in enumerate(rows)]
    if function == "calculate_macro_f1":
        return [([[0, 1, 1, 2, 0], [3, 0]], [[-100, 1, 2, 2, 0], [3, -100]]),
                ([[5, 5, 0, 0, 0, 0]], [[5, 0, 0, 0, 0, -100]]),
                ([[1, 0, 0], [0, 7]], [[1, 1, 0], [0, 0]]),
                ([[0, 0, 2, 2, 2, 0, 0, 0]], [[0, 0, 2, 2, 0, 0, 0, 0]])]
    if function == "compute_metrics":
        from transformers import EvalPrediction
        import numpy as np

        classes = CLASSES[notebook]
        cases = [
            ([[0.5, 2.5] + [0.0] * (classes - 2), [3.0] + [1.0] * (classes - 1),
              [0.0] * (classes - 1) + [4.0], [1.0] * classes], [1, 0, classes - 1, 0]),
            ([[float((r * 7 + c * 3) % 5) for c in range(classes)] for r in range(classes)],
             [(r * 2) % classes for r in range(classes)]),
            ([[2.0, 2.0] + [0.0] * (classes - 2), [0.0, 1.0, 1.0] + [0.0] * (classes - 3),
              [0.0] * (classes - 1) + [1.0]], [1, 2, classes - 1]),
            ([[1.0] + [0.0] * (classes - 1)] * 6 + [[0.0] * (classes - 1) + [1.0]], [0] * 5 + [1, classes - 1]),
        ]
        return [(EvalPrediction(predictions=np.array(logits, dtype=np.float32), label_ids=np.array(labels)),)
                for logits, labels in cases]
    if function == "filter_for_max_length":
        tokenizer, limit = context["tokenizer"], context["max_length"]
        texts = [_repeat_to(tokenizer, "pizza", limit), _repeat_to(tokenizer, "pizza", limit + 1),
                 _repeat_to(tokenizer, "pizza", limit + 2), " ".join(["food"] * (limit + 40)),
                 " ".join(["Goydos"] * (limit // 2)),
                 " ".join(["food"] * (limit // 2)), "Cold fries." + STAR_TEMPLATE]
        return [({"input": text},) for text in texts]
    if function == "apply_bert":
        reviews = ["Cold fries, rude staff.", "Best pizza in town!", "okay I guess", "5 5 5 5", "1 1 1 1",
                   "The waiter was slow but the food was good.", "Never again.", "Amazing!", "2 2 2", "4 4 4 4",
                   "Meh.", "bland bland bland"]
        return [({"input": review + STAR_TEMPLATE},) for review in reviews]
    raise KeyError(function)


def copied(args: tuple) -> tuple:
    """Arguments for one call on this side (a function may change the row it gets)."""
    return copy.deepcopy(args)


def view(function: str, value):
    """What two outputs must share to count as the same outcome (plain data: the student's value arrives
    decoded, ours goes through the same encoding)."""
    from ..boundary import plain

    value = plain.decode(plain.encode(value))
    if function == "tokenize_and_tag":
        if not hasattr(value, "keys") or "input_ids" not in value or "labels" not in value:
            return ("no input_ids and labels",)
        return ([int(i) for i in value["input_ids"]], [_number(label) for label in value["labels"]])
    if function in KEY:
        if not hasattr(value, "items"):
            return ("not a dict", type(value).__name__)
        if KEY[function] in value:  # other keys are allowed (the row itself, more metrics)
            return (KEY[function], _number(value[KEY[function]]))
        return ("another key", sorted(_number(v) for v in value.values() if not isinstance(v, (str, list))))
    return _number(value)


def _number(value):
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    try:
        return round(float(value), 6)
    except (TypeError, ValueError):
        return repr(value)[:100]


def error_type(error: BaseException) -> str:
    return type(error).__name__


def student_error_type(message: str) -> str | None:
    """The type of error the student's function raised, from the grader's message, or None when the call
    did not raise (it hung, died or sent back something unreadable)."""
    match = re.match(r"^\w+\(\.\.\.\) raised (\w+):", message)
    return match.group(1) if match else None
