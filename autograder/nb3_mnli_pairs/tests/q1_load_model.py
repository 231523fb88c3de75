from otter.test_files import test_case

OK_FORMAT = False

name = "q1_load_model"
points = 2

@test_case(points=None, hidden=False)
def test_model_has_three_labels(classification_head_bert):
    config = getattr(classification_head_bert, 'config', None)
    assert config is not None, 'classification_head_bert should be a model loaded with from_pretrained'
    assert config.num_labels == 3, f'MNLI has three classes, the model has {config.num_labels}'

@test_case(points=None, hidden=True)
def test_model_label_names_and_head(classification_head_bert):
    assert type(classification_head_bert).__name__.endswith('ForSequenceClassification'), 'load the model with AutoModelForSequenceClassification (a sequence-classification head)'
    config = classification_head_bert.config
    expected = {0: 'entailment', 1: 'neutral', 2: 'contradiction'}
    assert {int(k): v for k, v in config.id2label.items()} == expected, f'id2label should be {expected}'
    assert {k: int(v) for k, v in config.label2id.items()} == {v: k for k, v in expected.items()}, 'label2id should map each name back to its id'
    assert config.num_labels == 3

