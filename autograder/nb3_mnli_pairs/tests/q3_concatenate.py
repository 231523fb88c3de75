from otter.test_files import test_case

OK_FORMAT = False

name = "q3_concatenate"
points = 2

@test_case(points=None, hidden=False)
def test_concatenate_order(concatenate):
    for premise, hypothesis in [('I just graduated college.', 'The person is a college graduate.'), ('A dog runs.', 'A cat sleeps.')]:
        row = concatenate({'premise': premise, 'hypothesis': hypothesis, 'label': 0})
        assert isinstance(row, dict), 'return a dict (the row, or one with the new key)'
        assert row.get('concat') == premise + ' [SEP] ' + hypothesis, f"premise, then ' [SEP] ', then hypothesis; got {row.get('concat')!r}"

@test_case(points=None, hidden=True)
def test_concatenate_random_and_empty(concatenate):
    import random
    rng = random.Random(23)
    alphabet = "abc XYZ.,'!é"
    texts = ['', ' '] + [''.join((rng.choice(alphabet) for _ in range(rng.randint(1, 50)))) for _ in range(15)]
    for premise in texts[:6]:
        for hypothesis in texts[-6:] + ['']:
            label = rng.randint(-1, 2)
            row = concatenate({'premise': premise, 'hypothesis': hypothesis, 'label': label})
            assert row['concat'] == premise + ' [SEP] ' + hypothesis
            assert row.get('premise', premise) == premise and row.get('hypothesis', hypothesis) == hypothesis and (row.get('label', label) == label), 'the other keys must not change'

