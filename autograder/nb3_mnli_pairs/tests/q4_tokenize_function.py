from otter.test_files import test_case

OK_FORMAT = False

name = "q4_tokenize_function"
points = 2

@test_case(points=None, hidden=False)
def test_tokenize_pair(tokenize_function):
    out = tokenize_function({'premise': 'The man is walking.', 'hypothesis': 'The man is walking.', 'label': 0})
    assert out is not None and 'input_ids' in out, "return the tokenizer's output"
    ids, segments = (list(out['input_ids']), list(out['token_type_ids']))
    assert len(ids) < 40 and 0 not in ids, f'no padding: a short pair gives a few tokens, got {len(ids)}'
    assert segments[0] == 0 and segments[-1] == 1, 'give the tokenizer the premise and the hypothesis as two texts: segment ids 0, then 1'
    long_pair = tokenize_function({'premise': 'food ' * 400, 'hypothesis': 'food ' * 400, 'label': 1})
    assert len(list(long_pair['input_ids'])) == 512, 'truncate to max_length'

@test_case(points=None, hidden=True)
def test_tokenize_matches_reference(tokenize_function):
    import random
    from transformers import AutoTokenizer
    reference = AutoTokenizer.from_pretrained('offline/tiny-bert-cased')
    rng = random.Random(29)
    words = ['The', 'man', 'is', 'not', 'reading', 'Goydos', 'é', '!']
    pairs = [('', ''), ('A man.', ''), (' '.join(['man'] * 600), 'He reads.'), ('He reads.', ' '.join(['man'] * 600))]
    pairs += [tuple((' '.join((rng.choice(words) for _ in range(rng.randint(1, 400)))) for _ in range(2))) for _ in range(20)]
    for premise, hypothesis in pairs:
        expected = reference(premise, hypothesis, truncation=True, max_length=512)
        got = tokenize_function({'premise': premise, 'hypothesis': hypothesis, 'label': 2})
        for key in ['input_ids', 'attention_mask', 'token_type_ids']:
            assert list(got[key]) == list(expected[key]), f'{key} differs for the pair {premise[:30]!r}, {hypothesis[:30]!r}'

