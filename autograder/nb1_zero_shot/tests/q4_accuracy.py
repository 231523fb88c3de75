from otter.test_files import test_case

OK_FORMAT = False

name = "q4_accuracy"
points = 2

@test_case(points=None, hidden=False)
def test_accuracy_small(accuracy):
    assert accuracy([1, 2, 3], [1, 2, 4]) == 2 / 3, 'two of three agree: expected 2/3'
    assert accuracy([5], [5]) == 1.0

@test_case(points=None, hidden=True)
def test_accuracy_random(accuracy):
    import random
    rng = random.Random(3)
    for n in [1, 2, 7, 100]:
        outputs = [rng.randint(1, 5) for _ in range(n)]
        reference = [rng.randint(1, 5) for _ in range(n)]
        expected = sum((1 for o, r in zip(outputs, reference) if o == r)) / n
        assert abs(accuracy(outputs, reference) - expected) < 1e-12
        assert accuracy(tuple(outputs), tuple(outputs)) == 1.0
    assert accuracy([1, 1, 1], [2, 2, 2]) == 0.0

