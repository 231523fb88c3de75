from otter.test_files import test_case

OK_FORMAT = False

name = "q2_compute_metrics"
points = 2

@test_case(points=None, hidden=False)
def test_compute_metrics_small(compute_metrics):
    import numpy as np
    from transformers import EvalPrediction
    logits = np.array([[0.1, 2.0, 0.3, 0.0, 0.0], [3.0, 0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0, 5.0]])
    for labels, expected in [([1, 0, 2], 2 / 3), ([1, 0, 4], 1.0), ([0, 1, 2], 0.0)]:
        out = compute_metrics(EvalPrediction(predictions=logits, label_ids=np.array(labels)))
        assert isinstance(out, dict) and 'accuracy' in out, "return a dict with the key 'accuracy'"
        assert not isinstance(out['accuracy'], (bool, str)), f'accuracy should be a number, got {out['accuracy']!r}'
        assert abs(float(out['accuracy']) - expected) < 1e-06, f'labels {labels}: expected {expected:.3f}, got {out['accuracy']}'

