"""Adds 1 to the predicted class, as if the labels were star counts 1-5."""

LIKELY_MISTAKE = """
your `compute_metrics` adds 1 to each predicted class (as if labels were stars 1 to 5); the labels are class
ids starting at 0, the same numbers as the positions of the logits.
"""


def compute_metrics(eval_pred):
    logits, labels = eval_pred
    return {"accuracy": float(np.mean(np.argmax(logits, -1) + 1 == labels))}
