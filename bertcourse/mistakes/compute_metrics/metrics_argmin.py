"""np.argmin: the class with the smallest logit."""

LIKELY_MISTAKE = """
your `compute_metrics` predicts the class with the smallest logit (argmin); the question asks for the class
whose logit is the largest (argmax over the last axis).
"""


def compute_metrics(eval_pred):
    logits, labels = eval_pred
    return {"accuracy": float(np.mean(np.argmin(logits, -1) == labels))}
