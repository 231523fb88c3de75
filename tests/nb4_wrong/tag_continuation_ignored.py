"""Continuation pieces get -100 (only the first piece is labelled)."""


def tokenize_and_tag(row):
    result = tokenizer(row["tokens"], is_split_into_words=True, truncation=True, max_length=max_length)
    labels, previous = [], None
    for word in result.word_ids():
        labels.append(-100 if word is None or word == previous else row["ner_tags"][word])
        previous = word
    result["labels"] = labels
    return result
