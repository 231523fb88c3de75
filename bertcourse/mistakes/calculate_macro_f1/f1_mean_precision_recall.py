"""Takes F1 as the arithmetic mean of precision and recall instead of their harmonic mean."""

LIKELY_MISTAKE = """
your `calculate_macro_f1` takes each tag's F1 as the plain mean of precision and recall; the question asks for
F1 = 2 · precision · recall / (precision + recall).
"""


def calculate_macro_f1(preds, labels):
    pairs = [(int(p), int(l)) for pr, lr in zip(preds, labels) for p, l in zip(pr, lr) if l != -100]
    tags = {p for p, _ in pairs} | {l for _, l in pairs}
    scores = []
    for t in tags:
        tp = sum(p == t and l == t for p, l in pairs)
        fp = sum(p == t and l != t for p, l in pairs)
        fn = sum(p != t and l == t for p, l in pairs)
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        scores.append((precision + recall) / 2)
    return {"macro-f1": sum(scores) / len(scores)}
