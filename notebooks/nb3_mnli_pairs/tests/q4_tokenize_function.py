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

