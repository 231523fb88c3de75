"""Weights each tag's F1 by its number of true occurrences (sklearn's average="weighted")."""

LIKELY_MISTAKE = """
your `calculate_macro_f1` weights each tag's F1 by how often the tag occurs; the question asks for the plain
mean of the per-tag F1 scores, so a rare tag counts as much as `O`.
"""


def calculate_macro_f1(preds, labels):
    pairs = [(int(p), int(l)) for pr, lr in zip(preds, labels) for p, l in zip(pr, lr) if l != -100]
    tags = {p for p, _ in pairs} | {l for _, l in pairs}
    total, weighted = 0, 0.0
    for t in tags:
        tp = sum(p == t and l == t for p, l in pairs)
        fp = sum(p == t and l != t for p, l in pairs)
        fn = sum(p != t and l == t for p, l in pairs)
        support = tp + fn
        weighted += support * (2 * tp / (2 * tp + fp + fn) if tp else 0.0)
        total += support
    return {"macro-f1": weighted / total}
