from otter.test_files import test_case

OK_FORMAT = False

name = "q1_tokenize_function"
points = 3

@test_case(points=None, hidden=False)
def test_tokenize_short_and_long(tokenize_function):
    out = tokenize_function({'text': 'The food was good.', 'label': 4})
    assert out is not None and 'input_ids' in out, "return the tokenizer's output (it has 'input_ids')"
    ids = list(out['input_ids'])
    assert 4 <= len(ids) < 30 and 0 not in ids, f'a short review gives a few tokens and no [PAD] (id 0): got {ids}'
    assert 'attention_mask' in out and 'token_type_ids' in out, 'keep everything the tokenizer returns'
    long_ids = list(tokenize_function({'text': 'food ' * 600, 'label': 0})['input_ids'])
    assert len(long_ids) == 512, f'a 600-word review must be truncated to 512 tokens, got {len(long_ids)}'

@test_case(points=None, hidden=True)
def test_tokenize_matches_reference(tokenize_function):
    import random
    from transformers import AutoTokenizer
    reference = AutoTokenizer.from_pretrained('offline/tiny-bert-cased')
    rng = random.Random(5)
    words = ['food', 'Goydos', 'amazing', 'unbelievably', '!', 'pizza', 'rude', 'é', '😀']
    texts = ['', ' ', ' '.join(['food'] * 510), ' '.join(['food'] * 511), ' '.join(['food'] * 2000)]
    texts += [' '.join((rng.choice(words) for _ in range(rng.randint(1, 700)))) for _ in range(25)]
    for text in texts:
        expected = reference(text, truncation=True, max_length=512)
        got = tokenize_function({'text': text, 'label': 1})
        for key in ['input_ids', 'attention_mask', 'token_type_ids']:
            assert list(got[key]) == list(expected[key]), f'{key} differs for a text of {len(text)} characters'

