from otter.test_files import test_case

OK_FORMAT = False

name = "q5_compute_metrics"
points = 2

@test_case(points=None, hidden=False)
def test_compute_metrics_three_classes(compute_metrics):
    import numpy as np
    logits = np.array([[2.0, 0.1, 0.3], [0.0, 0.0, 1.0], [0.2, 0.9, 0.1], [1.0, 0.0, 0.0]])
    labels = np.array([0, 2, 0, 0])
    out = compute_metrics((logits, labels))
    assert isinstance(out, dict) and 'accuracy' in out, "return a dict with the key 'accuracy'"
    assert not isinstance(out['accuracy'], (bool, str)), f'accuracy should be a number, got {out['accuracy']!r}'
    assert abs(float(out['accuracy']) - 0.75) < 1e-06, f'three of four rows are right, got {out['accuracy']}'

