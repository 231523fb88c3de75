from otter.test_files import test_case

OK_FORMAT = False

name = "q1_load_model"
points = 2

@test_case(points=None, hidden=False)
def test_model_has_three_labels(classification_head_bert):
    config = getattr(classification_head_bert, 'config', None)
    assert config is not None, 'classification_head_bert should be a model loaded with from_pretrained'
    assert config.num_labels == 3, f'MNLI has three classes, the model has {config.num_labels}'

