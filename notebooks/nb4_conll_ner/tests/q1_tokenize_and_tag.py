from otter.test_files import test_case

OK_FORMAT = False

name = "q1_tokenize_and_tag"
points = 4

@test_case(points=None, hidden=False)
def test_tokenize_and_tag_example(tokenize_and_tag):
    import os
    from transformers import AutoTokenizer
    model_id = 'offline/tiny-bert-cased' if os.environ.get('BERT_COURSE_OFFLINE') == '1' else 'bert-base-cased'
    reference = AutoTokenizer.from_pretrained(model_id)
    israel = {'tokens': ['Israel', 'approves', 'Arafat', "'s", 'flight', 'to', 'West', 'Bank', '.'], 'ner_tags': [5, 0, 1, 0, 0, 0, 5, 6, 0]}
    golf = {'tokens': ['66', 'Paul', 'Goydos', ',', 'Billy', 'Mayfair', ',', 'Hidemichi', 'Tanaka'], 'ner_tags': [0, 1, 2, 0, 1, 2, 0, 1, 2]}
    blank = {'tokens': ['Billy', '\u200b', 'Mayfair', 'won'], 'ner_tags': [1, 0, 2, 0]}
    checks = {'Israel': (israel, {2: [1, 2], 7: [6, 6], 1: [0, 0]}), '66 Paul': (golf, {2: [2, 2], 7: [1, 2], 0: [0, 0]}), 'Billy': (blank, {0: [1, 1], 2: [2, 2], 3: [0, 0]})}
    for name, (row, words) in checks.items():
        encoding = reference(row['tokens'], is_split_into_words=True)
        out = tokenize_and_tag(dict(row))
        assert out is not None and 'labels' in out and ('input_ids' in out), "return the encoding with 'labels' added"
        labels, ids = (list(out['labels']), list(out['input_ids']))
        assert ids == list(encoding['input_ids']), f"{name}...: input_ids differ from the tokenizer's (no padding)"
        assert len(labels) == len(ids), f'one label per token: {len(labels)} labels for {len(ids)} tokens'
        assert labels[0] == -100 and labels[-1] == -100, '[CLS] and [SEP] get -100'
        for word, (first, rest) in words.items():
            got = [label for label, w in zip(labels, encoding.word_ids()) if w == word]
            want = [first] + [rest] * (len(got) - 1)
            assert got == want, f'{row['tokens'][word]!r} (tag {row['ner_tags'][word]}): expected {want}, got {got}'

