from otter.test_files import test_case

OK_FORMAT = False

name = "q2_calculate_macro_f1"
points = 4

@test_case(points=None, hidden=False)
def test_macro_f1_small(calculate_macro_f1):
    out = calculate_macro_f1([[0, 1, 2, 0]], [[-100, 1, 1, 0]])
    assert isinstance(out, dict) and 'macro-f1' in out, "return {'macro-f1': value}"
    assert abs(float(out['macro-f1']) - (1 + 2 / 3 + 0) / 3) < 1e-09, f'expected 0.5556, got {out['macro-f1']}'
    ragged = calculate_macro_f1([[1, 1], [2]], [[1, 2], [2]])
    assert abs(float(ragged['macro-f1']) - 2 / 3) < 1e-09, f'rows of different lengths: expected 0.6667, got {ragged}'

@test_case(points=2, hidden=True)
def test_macro_f1_random_against_reference(calculate_macro_f1):
    import random
    import numpy as np

    def reference(preds, labels):
        pairs = [(p, l) for pr, lr in zip(preds, labels) for p, l in zip(pr, lr) if l != -100]
        tags = sorted({p for p, _ in pairs} | {l for _, l in pairs})
        scores = []
        for t in tags:
            tp = sum((1 for p, l in pairs if p == t and l == t))
            fp = sum((1 for p, l in pairs if p == t and l != t))
            fn = sum((1 for p, l in pairs if l == t and p != t))
            scores.append(0.0 if tp == 0 else 2 * tp / (2 * tp + fp + fn))
        return sum(scores) / len(scores)
    rng = random.Random(43)
    for trial in range(60):
        n_rows, width = (rng.randint(1, 5), rng.randint(1, 20))
        classes = rng.sample(range(9), rng.randint(1, 9))
        labels = [[rng.choice(classes) if rng.random() > 0.25 else -100 for _ in range(width)] for _ in range(n_rows)]
        labels[0][0] = classes[0]
        preds = [[rng.choice(classes) if rng.random() > 0.3 else rng.randint(0, 8) for _ in range(width)] for _ in range(n_rows)]
        expected = reference(preds, labels)
        as_arrays = trial % 2 == 1
        got = calculate_macro_f1(np.array(preds) if as_arrays else preds, np.array(labels) if as_arrays else labels)
        assert abs(float(got['macro-f1']) - expected) < 1e-09, f'trial {trial}: expected {expected}, got {got}'

@test_case(points=None, hidden=True)
def test_macro_f1_edge_cases(calculate_macro_f1):

    def f1(preds, labels):
        return float(calculate_macro_f1(preds, labels)['macro-f1'])
    assert abs(f1([[0, 0, 0]], [[0, 0, 0]]) - 1.0) < 1e-09, 'all one class, all right: 1.0'
    assert abs(f1([[3, 3]], [[0, 0]]) - 0.0) < 1e-09, 'all wrong: 0.0'
    assert abs(f1([[5, 7, 7]], [[-100, 7, -100]]) - 1.0) < 1e-09, 'positions labelled -100 are skipped'
    assert abs(f1([[1, 1], [2]], [[1, 2], [2]]) - (2 / 3 + 2 / 3) / 2) < 1e-09, 'rows of different lengths'
    assert abs(f1([[0, 4]], [[0, 0]]) - (2 / 3 + 0) / 2) < 1e-09, 'a tag only predicted still counts'

