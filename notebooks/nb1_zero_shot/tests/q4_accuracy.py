from otter.test_files import test_case

OK_FORMAT = False

name = "q4_accuracy"
points = 2

@test_case(points=None, hidden=False)
def test_accuracy_small(accuracy):
    assert accuracy([1, 2, 3], [1, 2, 4]) == 2 / 3, 'two of three agree: expected 2/3'
    assert accuracy([5], [5]) == 1.0

