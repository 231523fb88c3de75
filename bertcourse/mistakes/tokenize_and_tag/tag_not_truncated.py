"""Labels computed on the untruncated encoding: more labels than tokens for long sentences."""

LIKELY_MISTAKE = """
your `tokenize_and_tag` makes its labels from the words before truncation, so a long sentence gets more labels
than tokens; the question asks for labels exactly as long as `input_ids` after `truncation=True,
max_length=max_length`.
"""


def tokenize_and_tag(row):
    full = tokenizer(row["tokens"], is_split_into_words=True)
    result = tokenizer(row["tokens"], is_split_into_words=True, truncation=True, max_length=max_length)
    inside = {i: label_names.index("I-" + n[2:]) if n.startswith("B-") else i for i, n in enumerate(label_names)}
    labels, previous = [], None
    for word in full.word_ids():
        if word is None:
            labels.append(-100)
        elif word != previous:
            labels.append(row["ner_tags"][word])
        else:
            labels.append(inside[row["ner_tags"][word]])
        previous = word
    result["labels"] = labels
    return result
