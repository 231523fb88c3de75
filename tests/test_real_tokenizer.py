"""The offline tokenizer is bert-base-cased's, byte for byte, and what the masters' prose says about BERT's
vocabulary and how words split is true of it.

The vocabulary comes from the pinned blingfire wheel (bertcourse/fixtures.py says how); these tests check the
committed copy in solutions/offline/tiny-bert-cased/ against bert-base-cased's published vocab.txt hash, then
against the outputs the original (online) exercise printed, then against each claim in the masters' markdown."""

from __future__ import annotations

import hashlib

import nbformat
import pytest

from bertcourse import fixtures, paths

VOCAB = paths.TINY_BERT / "vocab.txt"


@pytest.fixture(scope="module")
def tok():
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(str(paths.TINY_BERT))


def _markdown(name: str) -> str:
    nb = nbformat.read(paths.SOLUTIONS / f"{name}.ipynb", as_version=4)
    return "\n\n".join(c.source for c in nb.cells if c.cell_type == "markdown")


def _cell_with(name: str, text: str) -> str:
    """The one markdown cell of master `name` that contains `text` (line breaks read as spaces)."""
    nb = nbformat.read(paths.SOLUTIONS / f"{name}.ipynb", as_version=4)
    cells = [c.source for c in nb.cells if c.cell_type == "markdown" and text in c.source.replace("\n", " ")]
    assert len(cells) == 1, f"{name}: expected one markdown cell saying {text!r}, found {len(cells)}"
    return cells[0]


# ---------------------------------------------------------------- the vocabulary and the tokenizer's settings

def test_vocab_txt_is_bert_base_cased_byte_for_byte():
    data = VOCAB.read_bytes()
    assert hashlib.sha256(data).hexdigest() == "eeaa9875b23b04b4c54ef759d03db9d1ba1554838f8fb26c5d96fa551df93d02"
    assert len(data) == 213450 and data.count(b"\n") == 28996 and data.endswith(b"\n")


def test_the_fixture_build_derives_vocab_txt_from_the_pinned_wheel():
    """The same bytes again from blingfire's file (cached wheel; pip-downloaded on a cold cache)."""
    assert fixtures.bert_base_cased_vocab() == VOCAB.read_bytes()
    provenance = (paths.TINY_BERT / "PROVENANCE.md").read_text()
    for fact in ["blingfire==0.1.8", "MIT", "Apache", fixtures.BLINGFIRE_WHEEL_SHA256, fixtures.I2W_SHA256,
                 fixtures.VOCAB_SHA256]:
        assert fact in provenance and fact in fixtures.__doc__, f"{fact!r}: provenance and docstring"


def test_i2w_decoding_rules():
    """Blingfire's layout on a three-token file: a leading space marks a word start, no space means "##"."""
    import struct

    words = [" [CLS]", " Israel", "s"]
    text = "".join(words).encode()
    offsets = [0]
    for w in words:
        offsets.append(offsets[-1] + len(w.encode()))
    table = struct.pack("<I", len(words)) + struct.pack(f"<{len(offsets)}I", *offsets) + text
    image = struct.pack("<4I", 3, 16, 96, 96 + len(table)) + bytes(80) + table + bytes(12)
    assert fixtures.vocab_from_i2w(image) == ["[CLS]", "Israel", "##s"]


def test_a_wrong_wheel_stops_the_build_with_a_clear_message(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setattr(fixtures, "_installed_i2w", lambda: None)  # as if blingfire were not installed
    (tmp_path / "bertcourse").mkdir()
    (tmp_path / "bertcourse" / fixtures.BLINGFIRE_WHEEL).write_bytes(b"not the wheel")
    with pytest.raises(RuntimeError, match=r"sha256 .* expected " + fixtures.BLINGFIRE_WHEEL_SHA256):
        fixtures.blingfire_i2w()


def test_a_wrong_vocabulary_stops_the_build(monkeypatch):
    monkeypatch.setattr(fixtures, "blingfire_i2w", lambda: b"")
    monkeypatch.setattr(fixtures, "vocab_from_i2w", lambda data: ["[PAD]", "[UNK]"])
    with pytest.raises(RuntimeError, match="is not bert-base-cased's vocab.txt"):
        fixtures.bert_base_cased_vocab()


def test_tokenizer_is_bert_base_cased_s(tok):
    vocab = VOCAB.read_text(encoding="utf-8").splitlines()
    assert tok.get_vocab() == {token: i for i, token in enumerate(vocab)}, "tokenizer.json agrees with vocab.txt"
    assert len(tok) == 28996 and tok.model_max_length == 512
    assert (tok.pad_token, tok.unk_token, tok.cls_token, tok.sep_token, tok.mask_token) == (
        "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")
    assert [tok.pad_token_id, tok.unk_token_id, tok.cls_token_id, tok.sep_token_id, tok.mask_token_id] == [
        0, 100, 101, 102, 103]
    assert tok.tokenize("The the") == ["The", "the"], "cased: no lower-casing"
    assert tok.tokenize("café") == ["café"], "cased: accents kept"


def test_the_tiny_model_embeds_the_whole_vocabulary():
    from transformers import AutoModelForMaskedLM

    model = AutoModelForMaskedLM.from_pretrained(str(paths.TINY_BERT))
    assert model.config.vocab_size == 28996
    assert tuple(model.get_input_embeddings().weight.shape) == (28996, model.config.hidden_size)
    assert model.get_output_embeddings().weight.data_ptr() == model.get_input_embeddings().weight.data_ptr()


# ---------------------------------------------------------------- what the original exercise printed online

def test_seed_ner_example_1(tok):
    words = ["Israel", "approves", "Arafat", "'s", "flight", "to", "West", "Bank", "."]
    encoding = tok(words, is_split_into_words=True)
    assert encoding["input_ids"] == [101, 3103, 14942, 1116, 25692, 8057, 1204, 112, 188, 3043, 1106, 1537, 2950,
                                     119, 102]
    assert encoding.tokens() == ["[CLS]", "Israel", "approve", "##s", "Ara", "##fa", "##t", "'", "s", "flight",
                                 "to", "West", "Bank", ".", "[SEP]"]


def test_seed_ner_example_2(tok):
    words = ["66", "Paul", "Goydos", ",", "Billy", "Mayfair", ",", "Hidemichi", "Tanaka", "(", "Japan", ")"]
    encoding = tok(words, is_split_into_words=True)
    assert encoding["input_ids"] == [101, 5046, 1795, 3414, 19429, 2155, 117, 4224, 1318, 19803, 117, 8790, 2007,
                                     7257, 3031, 24128, 113, 1999, 114, 102]
    assert encoding.tokens() == ["[CLS]", "66", "Paul", "Go", "##yd", "##os", ",", "Billy", "May", "##fair", ",",
                                 "Hi", "##de", "##mic", "##hi", "Tanaka", "(", "Japan", ")", "[SEP]"]


def test_seed_fischler_split(tok):
    ids = tok.encode("Only France and Britain backed Fischler's proposal")
    assert tok.convert_ids_to_tokens(ids)[1:-1] == ["Only", "France", "and", "Britain", "backed", "Fi", "##sch",
                                                    "##ler", "'", "s", "proposal"]


def test_fill_mask_targets_are_single_tokens_with_bert_s_ids(tok):
    targets = {"1": 122, "2": 123, "3": 124, "4": 125, "5": 126, "positive": 3112, "negative": 4366}
    for word, token_id in targets.items():
        assert tok.tokenize(word) == [word] and tok.convert_tokens_to_ids(word) == token_id


# ---------------------------------------------------------------- the masters' prose

def test_nb1_japanese_sentence_claim(tok):
    """nb1: some of the sentence's hiragana are in the vocabulary, で and the kanji 今 and 話 are not: [UNK]."""
    cell = _cell_with("nb1_zero_shot", "only some of the Japanese sentence's characters")
    assert "し, て, い, ま and す are in it" in cell and "で and the kanji 今 and 話 are not" in cell
    assert "does\ncontain the hiragana" not in cell
    assert tok.tokenize("今[MASK]で話しています") == ["[UNK]", "[MASK]", "[UNK]", "[UNK]", "し", "##て", "##い",
                                                      "##ま", "##す"]
    vocab = tok.get_vocab()
    assert all(piece in vocab for piece in ["し", "##て", "##い", "##ま", "##す"])
    for char in "で今話":
        assert char not in vocab and "##" + char not in vocab, f"{char} is not in bert-base-cased's vocabulary"
        assert tok.tokenize(char) == ["[UNK]"]


def test_vocabulary_size_claim(tok):
    """nb1 and nb2: |V| ≈ 29,000."""
    for name in ("nb1_zero_shot", "nb2_yelp_stars"):
        assert "|V| ≈ 29,000" in _markdown(name)
    assert round(len(tok), -3) == 29000


def test_nb1_wordpiece_claim(tok):
    """nb1: a common word is one token, a rare word is split into pieces starting with ##; [CLS] ... [SEP]."""
    cell = _cell_with("nb1_zero_shot", "a common word is one token, a rare word is split into pieces")
    assert "`[CLS]` at the start and `[SEP]` at the end" in cell.replace("\n", " ")
    # the notebook's own example
    tokens = tok.convert_ids_to_tokens(tok("The waiter was unbelievably rude.")["input_ids"])
    assert tokens == ["[CLS]", "The", "waiter", "was", "un", "##bel", "##ie", "##va", "##bly", "rude", ".", "[SEP]"]


def test_nb3_sep_claims(tok):
    """nb3: "[SEP]" in the text is the separator token; the pair form adds [CLS] and separators, segment ids 0/1."""
    _cell_with("nb3_mnli_pairs", "`[SEP]` is not split into letters")
    premise, hypothesis = "A woman is reading a book.", "A woman is reading."  # the notebook's example
    joined, paired = tok(premise + " [SEP] " + hypothesis), tok(premise, hypothesis)
    assert joined["input_ids"] == paired["input_ids"]
    assert joined["input_ids"].count(tok.sep_token_id) == 2 and joined["input_ids"][-1] == tok.sep_token_id == 102
    assert paired["input_ids"][0] == tok.cls_token_id
    assert set(joined["token_type_ids"]) == {0}
    first = paired["input_ids"].index(tok.sep_token_id) + 1
    assert paired["token_type_ids"] == [0] * first + [1] * (len(paired["input_ids"]) - first)


def test_nb4_wordpiece_claim(tok):
    """nb4: common words stay whole; rare ones are cut greedily into the longest pieces in the vocabulary."""
    _cell_with("nb4_conll_ner", "cuts rare ones into the longest pieces found in its vocabulary")
    vocab = tok.get_vocab()
    for word in ["Israel", "flight", "West", "Bank", "Paul", "Japan"]:
        assert tok.tokenize(word) == [word]
    for word in ["Arafat", "Goydos", "Mayfair", "Hidemichi", "Fischler"]:
        pieces = tok.tokenize(word)
        assert len(pieces) > 1 and all(p.startswith("##") for p in pieces[1:])
        rest = word
        for i, piece in enumerate(pieces):  # each piece is the longest prefix of what is left that is in the vocab
            text = piece.removeprefix("##")
            assert rest.startswith(text)
            prefix = "##" if i else ""
            assert not any(prefix + rest[:n] in vocab for n in range(len(text) + 1, len(rest) + 1))
            rest = rest[len(text):]
        assert rest == ""


def _table(cell: str, first_token: str) -> tuple[list[str], list[int]]:
    lines = cell.splitlines()
    (i,) = [i for i, line in enumerate(lines)
            if line.startswith("| token |") and f"`[CLS]` | {first_token} |" in line]
    cells = lambda line: [c.strip().strip("`") for c in line.strip().strip("|").split("|")][1:]  # noqa: E731
    return cells(lines[i]), [int(x) for x in cells(lines[i + 1])]


@pytest.mark.parametrize("words, tags, first, rest", [
    (["Israel", "approves", "Arafat", "'s", "flight", "to", "West", "Bank", "."], [5, 0, 1, 0, 0, 0, 5, 6, 0],
     "Israel", ["[SEP]"]),  # the table stops before "(then `[SEP]`: -100)"
    (["66", "Paul", "Goydos", ",", "Billy", "Mayfair", ",", "Hidemichi", "Tanaka", "(", "Japan", ")"],
     [0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 5, 0], "66", [")", "[SEP]"]),  # "(then `)`: 0 and `[SEP]`: -100)"
])
def test_nb4_token_tables_are_bert_base_cased_s_tokens_and_the_rule_s_labels(tok, words, tags, first, rest):
    """nb4: the two tables show bert-base-cased's tokens, and the offline tokenizer gives the same ones."""
    cell = _cell_with("nb4_conll_ner", "in Colab and offline alike")
    assert "cuts words differently" not in cell
    table_tokens, table_labels = _table(cell, first)
    encoding = tok(words, is_split_into_words=True)
    assert encoding.tokens() == table_tokens + rest
    labels, previous = [], None
    for word in encoding.word_ids():
        if word is None:
            labels.append(-100)
        elif word != previous:
            labels.append(tags[word])
        else:
            name = fixtures.NER_LABELS[tags[word]]
            labels.append(fixtures.NER_LABELS.index("I-" + name[2:]) if name.startswith("B-") else tags[word])
        previous = word
    assert labels[:len(table_labels)] == table_labels


def test_nb4_ragged_group_example(tok):
    """nb4's sanity check: "expect ragged groups, such as a name cut after its first piece, `B` of `B ##iden`"."""
    _cell_with("nb4_conll_ner", "`B` of `B ##iden`")
    assert tok.tokenize("Joe Biden is the 46th President of the United States")[:3] == ["Joe", "B", "##iden"]
    assert "##sor" not in tok.tokenize("Chris Callison-Burch is a professor at the University of Pennsylvania")


def test_no_master_still_describes_the_old_stand_in_vocabulary():
    for master in paths.masters():
        text = _markdown(master.stem).replace("\n", " ")
        for stale in ["cuts words differently", "`Ara ##fat`", "lone `##sor`", "does contain the hiragana"]:
            assert stale not in text, f"{master.name}: {stale!r}"
