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

