"""< instead of <=: a row of exactly max_length tokens is dropped."""

LIKELY_MISTAKE = """
your `filter_for_max_length` drops a row of exactly `max_length` tokens; the question asks for `True` when
the row has **at most** `max_length` tokens (`<=`).
"""


def filter_for_max_length(row):
    return len(tokenizer(row["input"])["input_ids"]) < max_length
