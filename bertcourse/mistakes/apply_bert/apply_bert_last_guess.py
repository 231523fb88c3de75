"""The last dict of the pipeline's list: the target with the lowest score."""

LIKELY_MISTAKE = """
your `apply_bert` reads the star from the last dict of the pipeline's list, the target with the lowest
score; the list is sorted by score, highest first: the star is the `token_str` of the first dict.
"""


def apply_bert(row):
    guesses = bert_model(row["input"], targets=["1", "2", "3", "4", "5"])
    return {"score": int(guesses[-1]["token_str"])}
