"""Continuation pieces of a B-X word keep B-X (should become I-X)."""

LIKELY_MISTAKE = """
your `tokenize_and_tag` gives the continuation tokens of a word tagged `B-X` the same `B-X`; the question asks
for `I-X` there (a continuation is inside the name, not its start), found through `label_names`.
"""


def tokenize_and_tag(row):
    result = tokenizer(row["tokens"], is_split_into_words=True, truncation=True, max_length=max_length)
    result["labels"] = [-100 if word is None else row["ner_tags"][word] for word in result.word_ids()]
    return result
