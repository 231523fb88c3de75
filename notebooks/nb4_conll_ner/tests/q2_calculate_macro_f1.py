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

