"""The seed notebook's version: tags repeated per word piece, padded to max_length, labels not truncated."""


def tokenize_and_tag(row):
    tags = []
    for word, tag in zip(row["tokens"], row["ner_tags"]):
        tags.extend([tag] * len(tokenizer.tokenize(word)))
    result = tokenizer(row["tokens"], is_split_into_words=True, padding="max_length", truncation=True,
                       max_length=max_length)
    labels = [-100] + tags
    labels += [-100] * (max_length - len(labels))
    result["labels"] = labels
    return result
