"""The seed notebook's version: tags repeated per word piece, padded to max_length, labels not truncated."""

LIKELY_MISTAKE = """
your `tokenize_and_tag` repeats each word's tag on all its pieces and pads the labels to `max_length`; the
question asks for no padding (a data collator pads later), labels exactly as long as `input_ids`, and `I-X` on
the continuation tokens of a `B-X` word.
"""


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
