"""The right number under another key."""

LIKELY_MISTAKE = """
your `compute_metrics` returns the accuracy under another key; the question asks for a dict with the key
`"accuracy"` (the Trainer reports it as `eval_accuracy`).
"""


def compute_metrics(eval_pred):
    logits, labels = eval_pred
    return {"acc": float(np.mean(np.argmax(logits, -1) == labels))}
