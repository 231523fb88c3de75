"""Counts the tokens without [CLS] and [SEP]."""

LIKELY_MISTAKE = """
your `filter_for_max_length` counts the tokens without `[CLS]` and `[SEP]`; the question asks for the tokens
as the model sees them, special tokens included.
"""


def filter_for_max_length(row):
    return len(tokenizer.tokenize(row["input"])) <= max_length
