from otter.test_files import test_case

OK_FORMAT = False

name = "q5_compute_metrics"
points = 2

@test_case(points=None, hidden=False)
def test_compute_metrics_three_classes(compute_metrics):
    import numpy as np
    from transformers import EvalPrediction
    logits = np.array([[2.0, 0.1, 0.3], [0.0, 0.0, 1.0], [0.2, 0.9, 0.1], [1.0, 0.0, 0.0]])
    for labels, expected in [([0, 2, 0, 0], 0.75), ([0, 2, 1, 0], 1.0), ([1, 0, 0, 2], 0.0)]:
        out = compute_metrics(EvalPrediction(predictions=logits, label_ids=np.array(labels)))
        assert isinstance(out, dict) and 'accuracy' in out, "return a dict with the key 'accuracy'"
        assert not isinstance(out['accuracy'], (bool, str)), f'accuracy should be a number, got {out['accuracy']!r}'
        assert abs(float(out['accuracy']) - expected) < 1e-06, f'labels {labels}: expected {expected}, got {out['accuracy']}'

