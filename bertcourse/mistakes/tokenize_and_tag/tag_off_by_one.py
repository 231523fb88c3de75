"""Labels shifted by one: the [CLS] slot is forgotten, so every label sits one token early."""

LIKELY_MISTAKE = """
your `tokenize_and_tag` puts every label one token too early (as if `[CLS]` were not there); the question asks
for one label per token, in the order of `word_ids()`, with -100 at `[CLS]` and `[SEP]`.
"""


def tokenize_and_tag(row):
    result = tokenizer(row["tokens"], is_split_into_words=True, truncation=True, max_length=max_length)
    inside = {i: label_names.index("I-" + n[2:]) if n.startswith("B-") else i for i, n in enumerate(label_names)}
    labels, previous = [], None
    for word in result.word_ids()[1:]:
        if word is None:
            labels.append(-100)
        elif word != previous:
            labels.append(row["ner_tags"][word])
        else:
            labels.append(inside[row["ner_tags"][word]])
        previous = word
    result["labels"] = labels + [-100]
    return result
