"""Continuation pieces get -100 (only the first piece is labelled)."""

LIKELY_MISTAKE = """
your `tokenize_and_tag` labels only the first token of each word and gives its continuation tokens -100; the
question asks for a label on every token of a word: the word's tag on the first, and on each continuation the
same tag (or `I-X` for a word tagged `B-X`).
"""


def tokenize_and_tag(row):
    result = tokenizer(row["tokens"], is_split_into_words=True, truncation=True, max_length=max_length)
    labels, previous = [], None
    for word in result.word_ids():
        labels.append(-100 if word is None or word == previous else row["ner_tags"][word])
        previous = word
    result["labels"] = labels
    return result
