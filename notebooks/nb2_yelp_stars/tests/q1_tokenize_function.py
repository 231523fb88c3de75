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

