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

@test_case(points=2, hidden=True)
def test_tokenize_and_tag_adversarial_rows(tokenize_and_tag):
    from transformers import AutoTokenizer
    names = ['O', 'B-PER', 'I-PER', 'B-ORG', 'I-ORG', 'B-LOC', 'I-LOC', 'B-MISC', 'I-MISC']
    reference = AutoTokenizer.from_pretrained('offline/tiny-bert-cased')

    def expected(tokens, tags):
        enc = reference(tokens, is_split_into_words=True, truncation=True, max_length=512)
        labels, previous = ([], None)
        for word in enc.word_ids():
            if word is None:
                labels.append(-100)
            elif word != previous:
                labels.append(tags[word])
            else:
                name = names[tags[word]]
                labels.append(names.index('I-' + name[2:]) if name.startswith('B-') else tags[word])
            previous = word
        return (list(enc['input_ids']), labels)
    rows = [(['Hidemichi', 'Tanaka', 'met', 'Pennsylvania', 'officials'], [1, 2, 0, 5, 0]), (['☃', '😀', 'Arafat', '¿'], [0, 7, 1, 0]), (['(', 'Japan', ')', ',', 'Goydos', '.'], [0, 5, 0, 0, 1, 0]), (['Mayfair', 'won'], [1, 0]), (['They', 'met', 'Callison-Burch'], [0, 0, 1]), (['Barcelona', 'Real', 'Madrid', 'drew'], [3, 3, 4, 0]), (['West', 'Bank', 'Goydos', 'Hidemichi'], [5, 6, 2, 2]), (['Paul', '\u200b', 'Goydos', 'Hidemichi'], [1, 0, 2, 7]), (['Goydos'] * 300 + ['Hidemichi'] * 5, [1, 2] * 150 + [7, 8, 8, 8, 8])]
    for tokens, tags in rows:
        ids, labels = expected(tokens, tags)
        out = tokenize_and_tag({'tokens': tokens, 'ner_tags': tags, 'id': '0'})
        assert list(out['input_ids']) == ids, f'input_ids differ for {tokens[:5]}'
        got = list(out['labels'])
        assert len(got) == len(ids), f'{len(got)} labels for {len(ids)} tokens ({tokens[:3]}...)'
        assert got == labels, f'labels differ for {tokens[:6]}: expected {labels[:12]}, got {got[:12]}'

@test_case(points=None, hidden=True)
def test_tokenize_and_tag_seeded_conll_rows(tokenize_and_tag):
    import random
    from datasets import load_dataset
    from transformers import AutoTokenizer
    names = ['O', 'B-PER', 'I-PER', 'B-ORG', 'I-ORG', 'B-LOC', 'I-LOC', 'B-MISC', 'I-MISC']
    reference = AutoTokenizer.from_pretrained('offline/tiny-bert-cased')
    rows = load_dataset('offline/conll2003')['validation']
    rng = random.Random(41)
    longest = max(range(len(rows)), key=lambda i: len(rows[i]['tokens']))
    for index in rng.sample(range(len(rows)), 40) + [longest]:
        row = rows[index]
        enc = reference(row['tokens'], is_split_into_words=True, truncation=True, max_length=512)
        labels, previous = ([], None)
        for word in enc.word_ids():
            if word is None:
                labels.append(-100)
            elif word != previous:
                labels.append(row['ner_tags'][word])
            else:
                name = names[row['ner_tags'][word]]
                labels.append(names.index('I-' + name[2:]) if name.startswith('B-') else row['ner_tags'][word])
            previous = word
        assert list(tokenize_and_tag(dict(row))['labels']) == labels, f'labels differ for row {index}'

