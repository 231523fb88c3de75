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

