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

@test_case(points=None, hidden=True)
def test_compute_metrics_random_logits_with_ties(compute_metrics):
    import random
    import numpy as np
    from transformers import EvalPrediction
    rng = random.Random(17)
    for trial in range(40):
        n = rng.randint(1, 60)
        logits = [[float(rng.randint(-2, 2)) for _ in range(5)] for _ in range(n)]
        labels = [rng.randint(0, 4) for _ in range(n)]
        predicted = [row.index(max(row)) for row in logits]
        expected = sum((p == y for p, y in zip(predicted, labels))) / n
        pair = EvalPrediction(predictions=np.array(logits, dtype=np.float32), label_ids=np.array(labels))
        got = compute_metrics(pair)['accuracy']
        assert not isinstance(got, (bool, str)), f'accuracy should be a number, got {got!r}'
        assert abs(float(got) - expected) < 1e-06, f'expected {expected}, got {got}'

