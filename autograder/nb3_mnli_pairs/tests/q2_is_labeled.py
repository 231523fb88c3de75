from otter.test_files import test_case

OK_FORMAT = False

name = "q2_is_labeled"
points = 1

@test_case(points=None, hidden=False)
def test_is_labeled_basic(is_labeled):
    assert is_labeled({'premise': 'a', 'hypothesis': 'b', 'label': 0}) is True
    assert is_labeled({'premise': 'a', 'hypothesis': 'b', 'label': -1}) is False

@test_case(points=None, hidden=True)
def test_is_labeled_every_value(is_labeled):
    for label, expected in [(-1, False), (0, True), (1, True), (2, True)]:
        row = {'premise': '', 'hypothesis': '', 'label': label, 'genre': 'fiction'}
        assert is_labeled(row) is expected, f'label {label}: expected {expected}'

