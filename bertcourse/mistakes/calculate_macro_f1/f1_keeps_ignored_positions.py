"""Positions labelled -100 are not skipped: -100 becomes a class of its own."""

LIKELY_MISTAKE = """
your `calculate_macro_f1` counts the positions labelled -100 (as a tag of their own); the question asks you to
skip every position whose label is -100.
"""


def calculate_macro_f1(preds, labels):
    pairs = [(int(p), int(l)) for pr, lr in zip(preds, labels) for p, l in zip(pr, lr)]
    tags = {p for p, _ in pairs} | {l for _, l in pairs}
    scores = []
    for t in tags:
        tp = sum(p == t and l == t for p, l in pairs)
        fp = sum(p == t and l != t for p, l in pairs)
        fn = sum(p != t and l == t for p, l in pairs)
        scores.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    return {"macro-f1": sum(scores) / len(scores)}
