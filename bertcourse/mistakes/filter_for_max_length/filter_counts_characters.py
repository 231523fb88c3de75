"""Counts characters, not tokens."""

LIKELY_MISTAKE = """
your `filter_for_max_length` counts characters, not tokens; the question asks you to tokenize `row["input"]`
with `tokenizer` (special tokens included) and count the tokens.
"""


def filter_for_max_length(row):
    return len(row["input"]) <= max_length
