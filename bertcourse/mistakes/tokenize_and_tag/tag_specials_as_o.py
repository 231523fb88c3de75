"""[CLS] and [SEP] get the O tag (0) instead of -100."""

LIKELY_MISTAKE = """
your `tokenize_and_tag` tags the special tokens `[CLS]` and `[SEP]` (word id `None`) as `O`; the question asks
for -100 there, which the loss and the metrics ignore.
"""


def tokenize_and_tag(row):
    result = tokenizer(row["tokens"], is_split_into_words=True, truncation=True, max_length=max_length)
    inside = {i: label_names.index("I-" + n[2:]) if n.startswith("B-") else i for i, n in enumerate(label_names)}
    labels, previous = [], None
    for word in result.word_ids():
        if word is None:
            labels.append(0)
        elif word != previous:
            labels.append(row["ner_tags"][word])
        else:
            labels.append(inside[row["ner_tags"][word]])
        previous = word
    result["labels"] = labels
    return result
