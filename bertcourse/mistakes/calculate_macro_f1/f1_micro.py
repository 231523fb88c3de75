"""Micro-averaged F1 (pools all tags' counts): equals accuracy here, not the macro average."""

LIKELY_MISTAKE = """
your `calculate_macro_f1` pools the counts of all tags (a micro average, which here equals accuracy); the
question asks for the macro average: one F1 per tag, then their plain mean.
"""


def calculate_macro_f1(preds, labels):
    pairs = [(int(p), int(l)) for pr, lr in zip(preds, labels) for p, l in zip(pr, lr) if l != -100]
    tp = sum(p == l for p, l in pairs)
    fp = fn = len(pairs) - tp
    return {"macro-f1": 2 * tp / (2 * tp + fp + fn)}
