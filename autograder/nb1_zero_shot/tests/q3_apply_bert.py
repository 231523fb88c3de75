from otter.test_files import test_case

OK_FORMAT = False

name = "q3_apply_bert"
points = 3

@test_case(points=None, hidden=False)
def test_apply_bert_picks_the_top_target(apply_bert):
    import os
    from transformers import pipeline
    model_id = 'offline/tiny-bert-cased' if os.environ.get('BERT_COURSE_OFFLINE') == '1' else 'bert-base-cased'
    reference = pipeline('fill-mask', model=model_id, device=-1)
    texts = ['Terrible. Awful. Never again.', 'Perfect! Amazing food!', 'Meh.', '3 3 3 3 3', 'Cold fries, rude staff.', 'The best pizza in town.', '2 2 2 2 2', '4 4 4 4 4']
    for text in texts:
        row = {'input': text + ' I give it a score of [MASK] out of 5.'}
        out = apply_bert(row)
        assert isinstance(out, dict) and 'score' in out, "apply_bert must return a dict with the key 'score'"
        assert type(out['score']) is int, f'the score must be an int, got {type(out['score']).__name__}'
        guesses = sorted(reference(row['input'], targets=['1', '2', '3', '4', '5']), key=lambda g: -g['score'])
        if guesses[0]['score'] - guesses[1]['score'] < 0.001 * guesses[0]['score']:
            continue
        assert out['score'] == int(guesses[0]['token_str']), f"for {row['input']!r} the target with the highest score is {guesses[0]['token_str']!r}, you returned {out['score']}: the pipeline's list is sorted by score, so read the star from 'token_str'"

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

