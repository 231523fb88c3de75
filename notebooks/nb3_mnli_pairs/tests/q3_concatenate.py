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

