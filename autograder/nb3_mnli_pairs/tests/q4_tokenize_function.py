from otter.test_files import test_case

OK_FORMAT = False

name = "q4_tokenize_function"
points = 2

@test_case(points=None, hidden=False)
def test_tokenize_pair(tokenize_function):
    out = tokenize_function({'concat': 'The man is walking. [SEP] The man is walking.', 'label': 0})
    assert out is not None and 'input_ids' in out, "return the tokenizer's output"
    ids = list(out['input_ids'])
    assert len(ids) < 40 and 0 not in ids, f'no padding: a short pair gives a few tokens, got {len(ids)}'
    assert len(list(tokenize_function({'concat': 'food ' * 700, 'label': 1})['input_ids'])) == 512, 'truncate to max_length'

@test_case(points=None, hidden=True)
def test_tokenize_matches_reference(tokenize_function):
    import random
    from transformers import AutoTokenizer
    reference = AutoTokenizer.from_pretrained('offline/tiny-bert-cased')
    rng = random.Random(29)
    words = ['The', 'man', 'is', 'not', 'reading', 'Goydos', '[SEP]', 'é', '!']
    texts = [' [SEP] ', '', ' '.join(['man'] * 510), ' '.join(['man'] * 511) + ' [SEP] man']
    texts += [' '.join((rng.choice(words) for _ in range(rng.randint(1, 600)))) for _ in range(20)]
    for text in texts:
        expected = reference(text, truncation=True, max_length=512)
        got = tokenize_function({'concat': text, 'label': 2})
        for key in ['input_ids', 'attention_mask', 'token_type_ids']:
            assert list(got[key]) == list(expected[key]), f'{key} differs for {text[:40]!r}...'

