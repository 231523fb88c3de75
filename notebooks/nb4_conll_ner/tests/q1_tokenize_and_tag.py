from otter.test_files import test_case

OK_FORMAT = False

name = "q1_tokenize_and_tag"
points = 4

@test_case(points=None, hidden=False)
def test_tokenize_and_tag_example(tokenize_and_tag):
    from transformers import AutoTokenizer
    row = {'tokens': ['Israel', 'approves', 'Arafat', "'s", 'flight', 'to', 'West', 'Bank', '.'], 'ner_tags': [5, 0, 1, 0, 0, 0, 5, 6, 0]}
    out = tokenize_and_tag(row)
    assert out is not None and 'labels' in out and ('input_ids' in out), "return the encoding with 'labels' added"
    labels, ids = (list(out['labels']), list(out['input_ids']))
    assert len(labels) == len(ids), f'one label per token: {len(labels)} labels for {len(ids)} tokens'
    assert labels[0] == -100 and labels[-1] == -100, '[CLS] and [SEP] get -100'
    assert 0 not in ids, 'do not pad (the data collator pads each batch)'

