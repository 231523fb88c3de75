"""Averages over all 9 tags, so absent tags drag the mean down with F1 = 0."""

LIKELY_MISTAKE = """
your `calculate_macro_f1` averages over all nine tags, so a tag that occurs in neither the labels nor the
predictions adds an F1 of 0; the question asks for the mean over the tags that occur in the labels or the
predictions.
"""


def calculate_macro_f1(preds, labels):
    pairs = [(int(p), int(l)) for pr, lr in zip(preds, labels) for p, l in zip(pr, lr) if l != -100]
    scores = []
    for t in range(9):
        tp = sum(p == t and l == t for p, l in pairs)
        fp = sum(p == t and l != t for p, l in pairs)
        fn = sum(p != t and l == t for p, l in pairs)
        scores.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    return {"macro-f1": sum(scores) / 9}
