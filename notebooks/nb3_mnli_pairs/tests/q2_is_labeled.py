from otter.test_files import test_case

OK_FORMAT = False

name = "q2_is_labeled"
points = 1

@test_case(points=None, hidden=False)
def test_is_labeled_basic(is_labeled):
    assert is_labeled({'premise': 'a', 'hypothesis': 'b', 'label': 0}) is True
    assert is_labeled({'premise': 'a', 'hypothesis': 'b', 'label': -1}) is False

