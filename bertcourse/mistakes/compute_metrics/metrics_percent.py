"""A percentage instead of a fraction."""

LIKELY_MISTAKE = """
your `compute_metrics` returns the accuracy as a percentage (0 to 100); the question asks for the fraction
of rows predicted right (0 to 1).
"""


def compute_metrics(eval_pred):
    logits, labels = eval_pred
    return {"accuracy": 100 * float(np.mean(np.argmax(logits, -1) == labels))}
