"""Averages only over tags present in the labels, forgetting tags that are only predicted."""

LIKELY_MISTAKE = """
your `calculate_macro_f1` averages only over the tags in the labels and leaves out a tag that is only
predicted; the question asks for the mean over the tags that occur in the labels or the predictions.
"""


def calculate_macro_f1(preds, labels):
    pairs = [(int(p), int(l)) for pr, lr in zip(preds, labels) for p, l in zip(pr, lr) if l != -100]
    scores = []
    for t in {l for _, l in pairs}:
        tp = sum(p == t and l == t for p, l in pairs)
        fp = sum(p == t and l != t for p, l in pairs)
        fn = sum(p != t and l == t for p, l in pairs)
        scores.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    return {"macro-f1": sum(scores) / len(scores)}
