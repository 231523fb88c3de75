"""word_to_tokens(i) for every word up to the last one kept, assuming each has a token: a word with none (a
zero-width space, which the prose names) gives None and the unpacking raises."""

LIKELY_MISTAKE = """
your `tokenize_and_tag` fails on a word that yields no tokens at all (such as a zero-width space:
`word_to_tokens` gives `None` for it); the question asks for one label per token, and a word without tokens
simply gets none.
"""


def tokenize_and_tag(row):
    encoding = tokenizer(row["tokens"], is_split_into_words=True, truncation=True, max_length=max_length)
    labels = [-100] * len(encoding["input_ids"])
    last_word = max(w for w in encoding.word_ids() if w is not None)  # words after it were truncated
    for i in range(last_word + 1):
        start, end = encoding.word_to_tokens(i)
        tag = row["ner_tags"][i]
        name = label_names[tag]
        inside = label_names.index("I-" + name[2:]) if name.startswith("B-") else tag
        labels[start:end] = [tag] + [inside] * (end - start - 1)
    encoding["labels"] = labels
    return encoding
