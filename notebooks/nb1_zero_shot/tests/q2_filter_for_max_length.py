from otter.test_files import test_case

OK_FORMAT = False

name = "q2_filter_for_max_length"
points = 3

@test_case(points=None, hidden=False)
def test_filter_short_and_long(filter_for_max_length):
    assert filter_for_max_length({'input': 'Nice place. I give it a score of [MASK] out of 5.'}) is True, 'a short review fits: expected True'
    assert filter_for_max_length({'input': 'food ' * 600}) is False, '600 words do not fit: expected False'

