"""The position of the best guess in the pipeline's list, plus 1, taken as the star (always 1)."""

LIKELY_MISTAKE = """
your `apply_bert` takes the place of the best guess in the pipeline's list as the star; the list is sorted
by score, highest first, not in the order of `targets`, so its first dict always wins: read the star from
that dict's `token_str`.
"""


def apply_bert(row):
    guesses = bert_model(row["input"], targets=["1", "2", "3", "4", "5"])
    return {"score": int(np.argmax([guess["score"] for guess in guesses])) + 1}
