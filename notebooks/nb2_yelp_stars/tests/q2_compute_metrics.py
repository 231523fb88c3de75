from otter.test_files import test_case

OK_FORMAT = False

name = "q2_compute_metrics"
points = 2

@test_case(points=None, hidden=False)
def test_compute_metrics_small(compute_metrics):
    import numpy as np
    logits = np.array([[0.1, 2.0, 0.3, 0.0, 0.0], [3.0, 0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0, 5.0]])
    labels = np.array([1, 0, 2])
    out = compute_metrics((logits, labels))
    assert isinstance(out, dict) and 'accuracy' in out, "return a dict with the key 'accuracy'"
    assert abs(float(out['accuracy']) - 2 / 3) < 1e-06, f'two of three rows are right: expected 2/3, got {out['accuracy']}'

