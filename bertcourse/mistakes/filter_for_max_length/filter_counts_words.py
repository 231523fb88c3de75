"""Counts words (str.split), not tokens."""

LIKELY_MISTAKE = """
your `filter_for_max_length` counts words, not tokens; the question asks you to tokenize `row["input"]` with
`tokenizer` (special tokens included) and count the tokens: a rare word becomes several tokens.
"""


def filter_for_max_length(row):
    return len(row["input"].split()) <= max_length
