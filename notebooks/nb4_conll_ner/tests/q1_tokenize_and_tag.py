from otter.test_files import test_case

OK_FORMAT = False

name = "q1_tokenize_and_tag"
points = 4

@test_case(points=None, hidden=False)
def test_tokenize_and_tag_example(tokenize_and_tag):
    import os
    from transformers import AutoTokenizer
    model_id = 'offline/tiny-bert-cased' if os.environ.get('BERT_COURSE_OFFLINE') == '1' else 'bert-base-cased'
    row = {'tokens': ['Israel', 'approves', 'Arafat', "'s", 'flight', 'to', 'West', 'Bank', '.'], 'ner_tags': [5, 0, 1, 0, 0, 0, 5, 6, 0]}
    word_ids = AutoTokenizer.from_pretrained(model_id)(row['tokens'], is_split_into_words=True).word_ids()
    out = tokenize_and_tag(row)
    assert out is not None and 'labels' in out and ('input_ids' in out), "return the encoding with 'labels' added"
    labels, ids = (list(out['labels']), list(out['input_ids']))
    assert len(labels) == len(ids), f'one label per token: {len(labels)} labels for {len(ids)} tokens'
    assert labels[0] == -100 and labels[-1] == -100, '[CLS] and [SEP] get -100'
    assert 0 not in ids, 'do not pad (the data collator pads each batch)'
    pieces = lambda word: [label for label, w in zip(labels, word_ids) if w == word]
    arafat, bank, approves = (pieces(2), pieces(7), pieces(1))
    assert arafat == [1] + [2] * (len(arafat) - 1), f"'Arafat' (B-PER): first token 1, pieces after it 2; got {arafat}"
    assert bank == [6] * len(bank), f"'Bank' (I-LOC): every token 6; got {bank}"
    assert approves == [0] * len(approves), f"'approves' (O): every token 0; got {approves}"

