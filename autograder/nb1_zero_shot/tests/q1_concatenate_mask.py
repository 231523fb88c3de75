from otter.test_files import test_case

OK_FORMAT = False

name = "q1_concatenate_mask"
points = 2

@test_case(points=None, hidden=False)
def test_concatenate_mask_appends_template(concatenate_mask):
    for text, label in [('Great tacos.', 4), ('Cold fries, rude staff!', 0)]:
        row = concatenate_mask({'text': text, 'label': label})
        assert isinstance(row, dict), 'concatenate_mask must return a dict (the row, or one with the new key)'
        assert row.get('input') == text + ' I give it a score of [MASK] out of 5.', f"'input' should be the text followed by the template, got {row.get('input')!r}"
        assert row.get('text', text) == text and row.get('label', label) == label, 'keep the other columns unchanged'

@test_case(points=None, hidden=True)
def test_concatenate_mask_random_rows(concatenate_mask):
    import random
    rng = random.Random(2024)
    alphabet = "abcdefghij XYZ.,!?'é😀\n"
    texts = ['', ' ', '[MASK]'] + [''.join((rng.choice(alphabet) for _ in range(rng.randint(1, 80)))) for _ in range(20)]
    for text in texts:
        label = rng.randint(0, 4)
        row = concatenate_mask({'text': text, 'label': label})
        assert row['input'] == text + ' I give it a score of [MASK] out of 5.', f'wrong input for text {text!r}'
        assert row.get('text', text) == text and row.get('label', label) == label, 'the other columns must not change'

