"""On a tie, the last of the largest logits wins (np.argmax takes the first)."""

LIKELY_MISTAKE = """
your `compute_metrics` picks the last of several equal largest logits; the question asks for the position of
the largest logit as `np.argmax` gives it, which takes the first of equal values.
"""


def compute_metrics(eval_pred):
    logits, labels = eval_pred
    predictions = [len(r) - 1 - int(np.argmax(r[::-1])) for r in np.asarray(logits)]
    return {"accuracy": float(np.mean(np.array(predictions) == labels))}
