from otter.test_files import test_case

OK_FORMAT = False

name = "q2_filter_for_max_length"
points = 3

@test_case(points=None, hidden=False)
def test_filter_short_and_long(filter_for_max_length):
    assert filter_for_max_length({'input': 'Nice place. I give it a score of [MASK] out of 5.'}) is True, 'a short review fits: expected True'
    assert filter_for_max_length({'input': 'food ' * 600}) is False, '600 words do not fit: expected False'

@test_case(points=None, hidden=True)
def test_filter_boundary_512_and_513(filter_for_max_length):
    from transformers import AutoTokenizer
    reference = AutoTokenizer.from_pretrained('offline/tiny-bert-cased')
    exactly_512 = ' '.join(['food'] * 510)
    exactly_513 = ' '.join(['food'] * 511)
    assert len(reference(exactly_512)['input_ids']) == 512
    assert filter_for_max_length({'input': exactly_512}) is True, 'a row of exactly 512 tokens fits'
    assert filter_for_max_length({'input': exactly_513}) is False, 'a row of 513 tokens does not fit'

@test_case(points=None, hidden=True)
def test_filter_seeded_rows(filter_for_max_length):
    import random
    from transformers import AutoTokenizer
    reference = AutoTokenizer.from_pretrained('offline/tiny-bert-cased')
    rng = random.Random(7)
    words = ['food', 'Goydos', 'amazing', 'unbelievably', '!', 'pizza', 'Hidemichi', 'rude']
    for _ in range(30):
        text = ' '.join((rng.choice(words) for _ in range(rng.randint(100, 400))))
        expected = len(reference(text)['input_ids']) <= 512
        assert filter_for_max_length({'input': text}) is expected, 'count tokens (sub-words), not words'

