"""The offline default: deterministic, shaped like the real data, and loaded by the notebooks' own code."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import nbformat
import pytest

from bertcourse import OFFLINE_ENV, fixtures, paths

REAL_IDS = {"bert-base-cased", "Yelp/yelp_review_full", "nyu-mll/multi_nli", "eriktks/conll2003"}
METRIC_KEYS = {"ACCURACY_ID"}  # evaluate metrics: the hub's name online, the course's own module offline


def test_rebuild_is_byte_identical(tmp_path):
    fixtures.build(tmp_path / "offline")
    built = {p.relative_to(tmp_path / "offline"): p.read_bytes() for p in (tmp_path / "offline").rglob("*") if p.is_file()}
    kept = {p.relative_to(paths.OFFLINE): p.read_bytes() for p in paths.OFFLINE.rglob("*") if p.is_file()}
    assert built.keys() == kept.keys()
    assert [k for k in built if built[k] != kept[k]] == [], "run `make fixtures` and commit"


def _setup_globals(master, offline: bool) -> dict:
    """Run a master's setup cell (the one defining OFFLINE) with the switch on or off."""
    nb = nbformat.read(master, as_version=4)
    (cell,) = [c for c in nb.cells if c.cell_type == "code" and "OFFLINE =" in c.source]
    env = {}
    saved = os.environ.pop(OFFLINE_ENV, None)
    try:
        if offline:
            os.environ[OFFLINE_ENV] = "1"
        exec(cell.source, env)
    finally:
        os.environ.pop(OFFLINE_ENV, None)
        if saved is not None:
            os.environ[OFFLINE_ENV] = saved
    return {k: v for k, v in env.items() if k.isupper()}


def _ids(values: dict) -> set[str]:
    out = set()
    for k, v in values.items():
        if k in METRIC_KEYS:
            continue
        if isinstance(v, str):
            out.add(v)
        elif isinstance(v, dict):
            out.update(x for x in v.values() if isinstance(x, str))
    return out


def test_switch_defaults_to_real_ids_and_flips_to_fixtures(notebook_name):
    master = paths.SOLUTIONS / f"{notebook_name}.ipynb"
    online, offline = _setup_globals(master, False), _setup_globals(master, True)
    assert online["OFFLINE"] is False and offline["OFFLINE"] is True
    assert _ids(online) & REAL_IDS and "bert-base-cased" in _ids(online)
    assert not any(i.startswith("offline/") for i in _ids(online))
    assert all(i.startswith("offline/") for i in _ids(offline) - {"refs/convert/parquet"})


def test_offline_ids_load_through_the_notebooks_code_path(notebook_name, monkeypatch):
    """load_dataset(<id>) and from_pretrained(<id>) with the ids the notebook computes offline."""
    from datasets import load_dataset
    from transformers import AutoModelForMaskedLM, AutoTokenizer

    monkeypatch.chdir(paths.SOLUTIONS)
    values = _setup_globals(paths.SOLUTIONS / f"{notebook_name}.ipynb", True)
    tok = AutoTokenizer.from_pretrained(values["MODEL_ID"])
    assert tok.model_max_length == 512
    assert AutoModelForMaskedLM.from_pretrained(values["MODEL_ID"]).config.max_position_embeddings == 512
    loaded = 0
    for key, value in values.items():
        if key in METRIC_KEYS:
            import evaluate

            assert value.startswith("metrics/")
            assert evaluate.load(value).compute(predictions=[1, 2], references=[1, 0]) == {"accuracy": 0.5}
        elif key.endswith("_ID") and key != "MODEL_ID":
            ds = load_dataset(value) if isinstance(value, str) else load_dataset(**value)
            assert len(ds) >= 2
            loaded += 1
        elif isinstance(value, dict) and "path" in value:
            assert len(load_dataset(**value)) >= 2
            loaded += 1
    assert loaded >= 1, "the setup cell should name at least one dataset"


@pytest.fixture(scope="module")
def data():
    from datasets import load_dataset

    return {name: load_dataset(str(folder)) for name, folder in paths.DATASET_DIRS.items()}


def test_datasets_have_the_real_columns_and_splits(data):
    assert set(data["yelp"]) == {"train", "test"}
    assert data["yelp"]["train"].column_names == ["label", "text"]
    assert set(data["mnli"]) == {"train", "validation_matched", "validation_mismatched"}
    assert {"premise", "hypothesis", "label", "genre", "pairID", "promptID"} <= set(data["mnli"]["train"].column_names)
    assert data["mnli"]["train"].features["label"].names == ["entailment", "neutral", "contradiction"]
    assert set(data["conll"]) == {"train", "validation", "test"}
    assert data["conll"]["train"].column_names == ["id", "tokens", "pos_tags", "chunk_tags", "ner_tags"]
    assert data["conll"]["train"].features["ner_tags"].feature.names == fixtures.NER_LABELS


def test_data_has_the_edge_cases_the_notebooks_teach(data):
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(str(paths.TINY_BERT))
    for split in data["mnli"]:  # as in the real nyu-mll/multi_nli: no pair without a gold label
        assert set(data["mnli"][split]["label"]) == {0, 1, 2}, f"MNLI {split} labels"
    assert set(data["yelp"]["test"]["label"]) == {0, 1, 2, 3, 4}
    longest = max(len(tok(t)["input_ids"]) for t in data["yelp"]["test"]["text"])
    assert longest > 512, "some reviews must exceed 512 tokens"
    longest_ner = max(len(tok(list(t), is_split_into_words=True)["input_ids"])
                      for t in data["conll"]["validation"]["tokens"])
    assert longest_ner > 512
    for word in ["1", "2", "3", "4", "5", "positive", "negative"]:
        assert tok.tokenize(word) == [word], f"{word!r} must be one token (a fill-mask target)"
    # bert-base-cased's own vocabulary (tests/test_real_tokenizer.py checks it byte for byte): rare names split
    assert len(tok) == 28996
    assert (paths.TINY_BERT / "vocab.txt").exists() and (paths.TINY_BERT / "PROVENANCE.md").exists()
    assert tok.tokenize("Hidemichi Goydos Mayfair") == ["Hi", "##de", "##mic", "##hi", "Go", "##yd", "##os", "May",
                                                       "##fair"], "names split into sub-words"
    # every fixture word is spelled with bert-base-cased's pieces: an [UNK] would hide a cue from the model
    texts = list(data["yelp"]["train"]["text"]) + list(data["yelp"]["test"]["text"])
    for split in data["mnli"].values():
        texts += list(split["premise"]) + list(split["hypothesis"])
    for split in data["conll"].values():
        texts += [" ".join(words) for words in split["tokens"]]
    assert not [t for t, ids in zip(texts, tok(texts)["input_ids"]) if tok.unk_token_id in ids][:3]


def test_every_run_reads_the_fixtures_it_is_given(tmp_path):
    """`datasets` keys its cache of a local folder by names, not content, so a cache warmed by an older
    fixture would shadow a changed one (how a stale CoNLL fixture once hid that nb4 did not learn).
    Every course run gets its own cache: two runs on different fixture contents see their own rows."""
    import pyarrow.parquet as pq

    from bertcourse.release import offline_env

    script = "from datasets import load_dataset; print(len(load_dataset('offline/conll2003')['train']))"
    counts = []
    for rows in (10, 20):
        run = tmp_path / f"run-{rows}"
        copy = run / "offline" / "conll2003"
        shutil.copytree(paths.DATASET_DIRS["conll"], copy)
        train = copy / "data" / "train-00000-of-00001.parquet"
        pq.write_table(pq.read_table(train).slice(0, rows), train)
        done = subprocess.run([sys.executable, "-c", script], cwd=run, env=offline_env(tmp_path / f"scratch-{rows}"),
                              capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr[-2000:]
        counts.append(int(done.stdout.split()[-1]))
    assert counts == [10, 20]
