"""The number of rows predicted right, not their fraction."""

LIKELY_MISTAKE = """
your `compute_metrics` returns how many rows are predicted right; the question asks for the fraction of rows
predicted right (divide by the number of rows).
"""


def compute_metrics(eval_pred):
    logits, labels = eval_pred
    return {"accuracy": int(np.sum(np.argmax(logits, -1) == labels))}
