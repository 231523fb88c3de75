from otter.test_files import test_case

OK_FORMAT = False

name = "q3_apply_bert"
points = 3

@test_case(points=None, hidden=False)
def test_apply_bert_returns_a_star(apply_bert):
    out = apply_bert({'input': 'Great tacos. I give it a score of [MASK] out of 5.'})
    assert isinstance(out, dict) and 'score' in out, "apply_bert must return a dict with the key 'score'"
    assert type(out['score']) is int, f'the score must be an int, got {type(out['score']).__name__}'
    assert 1 <= out['score'] <= 5, 'the score must be a star rating from 1 to 5'

