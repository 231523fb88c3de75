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

@test_case(points=None, hidden=True)
def test_apply_bert_matches_reference(apply_bert):
    import random
    from transformers import pipeline
    reference = pipeline('fill-mask', model='offline/tiny-bert-cased', device=-1)
    rng = random.Random(11)
    words = ['food', 'awful', 'amazing', 'okay', 'bland', 'good', 'the', 'service', 'pizza', 'waiter']
    for _ in range(12):
        text = ' '.join((rng.choice(words) for _ in range(rng.randint(3, 40))))
        text += ' I give it a score of [MASK] out of 5.'
        guesses = reference(text, targets=['1', '2', '3', '4', '5'])
        expected = int(max(guesses, key=lambda g: g['score'])['token_str'])
        out = apply_bert({'input': text})
        assert isinstance(out, dict) and out.get('score') == expected, 'pick the target with the highest score'
        assert type(out['score']) is int, 'the score must be an int'

