from otter.test_files import test_case

OK_FORMAT = False

name = "q3_concatenate"
points = 2

@test_case(points=None, hidden=False)
def test_concatenate_order(concatenate):
    row = concatenate({'premise': 'I just graduated college.', 'hypothesis': 'The person is a college graduate.', 'label': 0})
    assert isinstance(row, dict), 'return a dict (the row, or one with the new key)'
    assert row.get('concat') == 'I just graduated college. [SEP] The person is a college graduate.', f"premise, then ' [SEP] ', then hypothesis; got {row.get('concat')!r}"

