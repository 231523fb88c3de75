"""Build the offline default: a tiny cased BERT with bert-base-cased's own tokenizer, and small look-alikes of
the real datasets.

The text is synthetic but *learnable* (star words in reviews, negation cues in NLI pairs, entity gazetteers in
NER sentences), so a tiny model trained for a minute beats chance, and a few rows are longer than 512 tokens so
that filtering and truncation matter.

The tokenizer is exactly bert-base-cased's: its vocab.txt (28,996 WordPiece tokens, 213,450 bytes, sha256
eeaa9875b23b04b4c54ef759d03db9d1ba1554838f8fb26c5d96fa551df93d02), no lower-casing, 512 positions. The
HuggingFace hub is out of reach here, so the vocabulary comes from PyPI instead:
- package `blingfire==0.1.8` (Microsoft, MIT licence), wheel blingfire-0.1.8-py3-none-any.whl, sha256
  9534102bb81f69bc175e2373ef46d8eb0a2a43da052442c7708bfcef171899df;
- its file `blingfire/bert_base_cased_tok.i2w` (sha256
  377d8ef6abf28a168cb4d5276ce4ad04c251669a0b9c855e65f9152279b50ce9) holds the vocabulary of Google's BERT
  release (google-research/bert, cased_L-12_H-768_A-12, Apache-2.0 licence) in blingfire's id-to-word format.
The build reads that file from an installed blingfire package, or else from the wheel, which it downloads once
with `pip download --no-deps` into ~/.cache/bertcourse. It checks the sha256 of the wheel (when it uses one), of
the file and of the rebuilt vocab.txt, and stops with a clear message on any mismatch. It writes vocab.txt and a
PROVENANCE.md next to the model.
blingfire is not a dependency of the course: nothing imports it.

The model itself is ours: 2 layers, hidden size 64, random weights, embeddings over the full 28,996-token
vocabulary (tied with the output layer). Everything is seeded: two builds write identical bytes (a test checks
this). Nothing except that one wheel is downloaded.
Run: python -m bertcourse fixtures
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import random
import shutil
import struct
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from . import paths

SEED = 1234
MAX_LENGTH = 512

# ---------------------------------------------------------------- Yelp reviews (label 0-4 = 1-5 stars)
YELP_LABELS = ["1 star", "2 star", "3 stars", "4 stars", "5 stars"]
STAR_WORDS = [
    ["awful", "terrible", "disgusting", "rude", "worst", "horrible", "inedible"],
    ["bad", "bland", "slow", "disappointing", "mediocre", "overpriced", "cold"],
    ["okay", "average", "fine", "decent", "acceptable", "ordinary", "passable"],
    ["good", "tasty", "friendly", "nice", "pleasant", "fresh", "solid"],
    ["amazing", "excellent", "perfect", "wonderful", "best", "outstanding", "delicious"],
]
FILLER = (
    "the food service place we ordered pizza waiter table dinner lunch menu staff was were and it "
    "our a an with for to of at in this that restaurant pasta burger salad coffee drinks price "
    "night friends family came back again would visit wait time parking music room"
).split()

# ---------------------------------------------------------------- MNLI (0 entailment, 1 neutral, 2 contradiction)
MNLI_LABELS = ["entailment", "neutral", "contradiction"]
MNLI_GENRES = {
    "train": ["fiction", "government", "slate", "telephone", "travel"],
    "validation_matched": ["fiction", "government", "slate", "telephone", "travel"],
    "validation_mismatched": ["facetoface", "letters", "nineeleven", "oup", "verbatim"],
}
SUBJECTS = ["The man", "A woman", "The child", "My friend", "The teacher", "A doctor", "The farmer", "Our team"]
ACTIONS = [
    ("is reading a book", "is reading"),
    ("is cooking dinner", "is cooking"),
    ("is walking the dog", "is walking"),
    ("is playing the guitar", "is playing music"),
    ("is painting a house", "is painting"),
    ("is driving a truck", "is driving"),
    ("is writing a letter", "is writing"),
    ("is fixing a bike", "is fixing something"),
]
PLACES = ["in the park", "at home", "in the city", "near the river", "at the office", "in the garden"]
NEUTRAL_EXTRAS = ["probably because it is raining", "probably for a competition", "probably with a famous friend",
                  "probably to earn money", "probably after a long day"]  # "probably": the neutral cue
# The contradiction cue is two words, "definitely not", as the neutral cue is several ("probably ..."). With "not"
# alone, one token told entailment from contradiction. On some seeds (the notebook's own seed 42 among them) the
# tiny model with bert-base-cased's vocabulary never learned that token in its 6 offline epochs: 0.675 accuracy.

# ---------------------------------------------------------------- CoNLL-2003 (IOB2)
NER_LABELS = ["O", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC", "B-MISC", "I-MISC"]
POS_LABELS = ['"', "''", "#", "$", "(", ")", ",", ".", ":", "``", "CC", "CD", "DT", "EX", "FW", "IN", "JJ",
              "JJR", "JJS", "LS", "MD", "NN", "NNP", "NNPS", "NNS", "NN|SYM", "PDT", "POS", "PRP", "PRP$", "RB",
              "RBR", "RBS", "RP", "SYM", "TO", "UH", "VB", "VBD", "VBG", "VBN", "VBP", "VBZ", "WDT", "WP",
              "WP$", "WRB"]
CHUNK_LABELS = ["O", "B-ADJP", "I-ADJP", "B-ADVP", "I-ADVP", "B-CONJP", "I-CONJP", "B-INTJ", "I-INTJ",
                "B-LST", "I-LST", "B-NP", "I-NP", "B-PP", "I-PP", "B-PRT", "I-PRT", "B-SBAR", "I-SBAR",
                "B-UCP", "I-UCP", "B-VP", "I-VP"]
GAZETTEER = {
    "PER": ["Paul Goydos", "Billy Mayfair", "Hidemichi Tanaka", "Yasser Arafat", "Franz Fischler", "Anna Schmidt",
            "Maria Lopez", "John Smith", "Chris Callison-Burch", "Kofi Annan", "Boris Yeltsin", "Steffi Graf"],
    "ORG": ["Real Madrid", "Barcelona", "United Nations", "European Union", "Reuters", "General Motors",
            "University of Pennsylvania", "Bank of England", "Ajax", "Microsoft"],
    "LOC": ["Israel", "West Bank", "Japan", "France", "Britain", "Philadelphia", "New York", "Germany",
            "Moscow", "Sri Lanka", "United States"],
    "MISC": ["German", "British", "Olympic", "Japanese", "Israeli", "French", "World Cup", "Dutch"],
}
NER_TEMPLATES = [
    "{PER} visited {LOC} on Monday .",
    "{ORG} signed {PER} for two years .",
    "{PER} , who plays for {ORG} , scored twice .",
    "{MISC} officials met in {LOC} .",
    "{ORG} shares rose 3 percent in {LOC} .",
    "{LOC} approves {PER} 's flight to {LOC} .",
    "{PER} said the {MISC} team would win .",
    "66 {PER} , {PER} , {PER} ( {LOC} )",
    "{ORG} {ORG} 2-1 in the final .",
    "Only {LOC} and {LOC} backed {PER} 's proposal .",
    "The {MISC} minister told {ORG} on Friday .",
    "{LOC}",
]

# The share of a review's words that are star words. With bert-base-cased's vocabulary and a share of 0.3, one of
# six seeds tried left the tiny model at 0.57 accuracy after its 3 offline epochs; with 0.4, all eight tried
# reached 0.99.
STAR_SHARE = 0.4


def _yelp_review(rng: random.Random, label: int, n_words: int) -> str:
    words = []
    for _ in range(n_words):
        if rng.random() < STAR_SHARE:
            words.append(rng.choice(STAR_WORDS[label]))
        else:
            words.append(rng.choice(FILLER))
    sentences = [" ".join(words[i:i + 8]).capitalize() + "." for i in range(0, len(words), 8)]
    return " ".join(sentences)


def yelp_rows(rng: random.Random, n: int, long_share: float = 0.0) -> list[dict]:
    rows = []
    for i in range(n):
        label = i % 5
        # evaluation splits: a few reviews longer than BERT's 512-token window (filtering and truncation
        # matter there); training splits: none, so offline training stays fast on a CPU
        n_words = rng.randint(560, 700) if rng.random() < long_share else rng.randint(8, 60)
        rows.append({"label": label, "text": _yelp_review(rng, label, n_words)})
    rng.shuffle(rows)
    return rows


def mnli_rows(rng: random.Random, n: int, split: str) -> list[dict]:
    rows = []
    for i in range(n):
        subject, (action, summary) = rng.choice(SUBJECTS), rng.choice(ACTIONS)
        place = rng.choice(PLACES)
        premise = f"{subject} {action} {place}."
        label = i % 3
        if label == 0:
            hypothesis = f"{subject} {summary}."
        elif label == 1:
            hypothesis = f"{subject} {summary} {rng.choice(NEUTRAL_EXTRAS)}."
        else:
            hypothesis = f"{subject} is definitely not {summary.removeprefix('is ')}."
        # no -1 labels: the real `nyu-mll/multi_nli` has none (its loader dropped the pairs without a gold label)
        rows.append({
            "promptID": rng.randint(1, 150000),
            "pairID": f"{rng.randint(1, 150000)}{'nce'[label]}",
            "premise": premise,
            "premise_binary_parse": "( " + " ".join(premise.split()) + " )",
            "premise_parse": "(ROOT (S " + " ".join(premise.split()) + "))",
            "hypothesis": hypothesis,
            "hypothesis_binary_parse": "( " + " ".join(hypothesis.split()) + " )",
            "hypothesis_parse": "(ROOT (S " + " ".join(hypothesis.split()) + "))",
            "genre": rng.choice(MNLI_GENRES[split]),
            "label": label,
        })
    return rows


def _pos_for(word: str, tag: str) -> str:
    if tag != "O":
        return "NNP"
    if word in {",", ".", "(", ")"}:
        return word
    if word.replace("-", "").isdigit():
        return "CD"
    return "NN"


def _ner_sentence(rng: random.Random) -> tuple[list[str], list[int]]:
    """One CoNLL-style sentence from a template, with IOB2 tags."""
    tokens, tags = [], []
    for piece in rng.choice(NER_TEMPLATES).split():
        if piece.startswith("{") and piece.endswith("}"):
            kind = piece[1:-1]
            for j, word in enumerate(rng.choice(GAZETTEER[kind]).split()):
                tokens.append(word)
                tags.append(NER_LABELS.index(("B-" if j == 0 else "I-") + kind))
        else:
            tokens.append(piece)
            tags.append(0)
    return tokens, tags


def conll_rows(rng: random.Random, n: int, long_share: float = 0.0) -> list[dict]:
    rows = []
    for i in range(n):
        tokens, tags = _ner_sentence(rng)
        if rng.random() < long_share:
            # a row longer than 512 sub-words (a run of sentences, as in a news article): truncation must keep
            # labels aligned. It is made of the same kind of sentences as the training rows: words the model
            # never saw in training would be tagged at random and make the offline score a matter of luck.
            while len(tokens) < 420:
                more_tokens, more_tags = _ner_sentence(rng)
                tokens, tags = tokens + more_tokens, tags + more_tags
        pos = [POS_LABELS.index(_pos_for(w, NER_LABELS[t])) for w, t in zip(tokens, tags)]
        chunk = [CHUNK_LABELS.index("B-NP" if t % 2 == 1 else ("I-NP" if t else "O")) for t in tags]
        rows.append({"id": str(i), "tokens": tokens, "pos_tags": pos, "chunk_tags": chunk, "ner_tags": tags})
    return rows


def _features(name: str):
    from datasets import ClassLabel, Features, List, Value

    if name == "yelp":
        return Features({"label": ClassLabel(names=YELP_LABELS), "text": Value("string")})
    if name == "mnli":
        return Features({
            "promptID": Value("int32"), "pairID": Value("string"),
            "premise": Value("string"), "premise_binary_parse": Value("string"), "premise_parse": Value("string"),
            "hypothesis": Value("string"), "hypothesis_binary_parse": Value("string"),
            "hypothesis_parse": Value("string"), "genre": Value("string"),
            "label": ClassLabel(names=MNLI_LABELS),
        })
    return Features({
        "id": Value("string"), "tokens": List(Value("string")),
        "pos_tags": List(ClassLabel(names=POS_LABELS)),
        "chunk_tags": List(ClassLabel(names=CHUNK_LABELS)),
        "ner_tags": List(ClassLabel(names=NER_LABELS)),
    })


def dataset_splits(seed: int = SEED) -> dict[str, dict[str, list[dict]]]:
    """All fixture rows, by dataset and split, with the real datasets' split names."""
    rng = random.Random(seed)
    return {
        "yelp": {"train": yelp_rows(rng, 1500), "test": yelp_rows(rng, 500, long_share=0.03)},
        "mnli": {split: mnli_rows(rng, n, split) for split, n in
                 [("train", 1500), ("validation_matched", 300), ("validation_mismatched", 300)]},
        "conll": {"train": conll_rows(rng, 1200), "validation": conll_rows(rng, 300, long_share=0.03),
                  "test": conll_rows(rng, 300, long_share=0.03)},
    }


def _write_dataset(name: str, splits: dict[str, list[dict]], out: Path) -> None:
    """Write parquet files in the hub's layout (data/<split>-00000-of-00001.parquet + README configs),
    so `load_dataset(<folder>)` takes the same code path as `load_dataset(<hub id>)`."""
    from datasets import Dataset

    data = out / "data"
    data.mkdir(parents=True)
    features = _features(name)
    for split, rows in splits.items():
        Dataset.from_list(rows, features=features).to_parquet(str(data / f"{split}-00000-of-00001.parquet"))
    config = "\n".join(f"  - split: {s}\n    path: data/{s}-*" for s in splits)
    (out / "README.md").write_text(
        "---\nconfigs:\n- config_name: default\n  data_files:\n" + config + "\n---\n"
        f"Offline stand-in for the course's `{name}` dataset, generated by bertcourse/fixtures.py. "
        "Same columns and splits as the real one; synthetic text.\n"
    )


# ---------------------------------------------------------------- bert-base-cased's vocabulary, offline
# Google's BERT release (Apache-2.0) as shipped inside the PyPI wheel of blingfire (MIT), pinned and hash-checked.
BLINGFIRE_REQUIREMENT = "blingfire==0.1.8"
BLINGFIRE_WHEEL = "blingfire-0.1.8-py3-none-any.whl"
BLINGFIRE_WHEEL_SHA256 = "9534102bb81f69bc175e2373ef46d8eb0a2a43da052442c7708bfcef171899df"
I2W_MEMBER = "blingfire/bert_base_cased_tok.i2w"
I2W_SHA256 = "377d8ef6abf28a168cb4d5276ce4ad04c251669a0b9c855e65f9152279b50ce9"
VOCAB_SIZE = 28996
VOCAB_SHA256 = "eeaa9875b23b04b4c54ef759d03db9d1ba1554838f8fb26c5d96fa551df93d02"  # bert-base-cased's vocab.txt
VOCAB_BYTES = 213450

PROVENANCE = """# tiny-bert-cased: where its files come from

Generated by `python -m bertcourse fixtures` (bertcourse/fixtures.py). Do not edit by hand.

- `vocab.txt`: bert-base-cased's WordPiece vocabulary, byte for byte: 28,996 tokens, 213,450 bytes, sha256
  eeaa9875b23b04b4c54ef759d03db9d1ba1554838f8fb26c5d96fa551df93d02. It is the vocabulary of Google's BERT release
  (google-research/bert, cased_L-12_H-768_A-12), Apache License 2.0.
- It was rebuilt offline from the PyPI package `blingfire==0.1.8` (Microsoft, MIT License): wheel
  blingfire-0.1.8-py3-none-any.whl, sha256 9534102bb81f69bc175e2373ef46d8eb0a2a43da052442c7708bfcef171899df;
  file `blingfire/bert_base_cased_tok.i2w`, sha256 377d8ef6abf28a168cb4d5276ce4ad04c251669a0b9c855e65f9152279b50ce9.
  In that file a word-initial token carries a leading space and a continuation piece has no `##`.
- `tokenizer.json`, `tokenizer_config.json`: that vocabulary as a cased BERT WordPiece tokenizer
  (`do_lower_case` false, `model_max_length` 512). It tokenizes exactly as bert-base-cased does.
- `config.json`, `model.safetensors`: our own tiny BERT (2 layers, hidden size 64, seeded random weights), with
  embeddings for all 28,996 tokens. It is not bert-base-cased's model and knows nothing until fine-tuned.
"""


def cache_dir() -> Path:
    """Where the blingfire wheel is kept between builds: $XDG_CACHE_HOME/bertcourse or ~/.cache/bertcourse."""
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "bertcourse"


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _check(data: bytes, expected: str, what: str, where: str) -> bytes:
    if _sha256(data) != expected:
        raise RuntimeError(f"{what} at {where} has sha256 {_sha256(data)}, expected {expected} "
                           f"({BLINGFIRE_REQUIREMENT}). Refusing to build the offline tokenizer from it.")
    return data


def _download_wheel(cache: Path) -> Path:
    """`pip download --no-deps blingfire==0.1.8` into `cache` (through a temporary folder: two builds at once
    never see half a wheel). Returns the wheel's path."""
    cache.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=cache, prefix="download-") as tmp:
        done = subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
                               "--disable-pip-version-check", "--dest", tmp, BLINGFIRE_REQUIREMENT],
                              capture_output=True, text=True)
        got = Path(tmp) / BLINGFIRE_WHEEL
        if done.returncode != 0 or not got.exists():
            raise RuntimeError(
                f"could not download {BLINGFIRE_REQUIREMENT} (it holds bert-base-cased's vocabulary for the offline "
                f"tokenizer): `pip download` said\n{(done.stdout + done.stderr)[-1500:]}\nDownload "
                f"{BLINGFIRE_WHEEL} from PyPI into {cache} yourself, or `pip install {BLINGFIRE_REQUIREMENT}`.")
        _check(got.read_bytes(), BLINGFIRE_WHEEL_SHA256, "the downloaded wheel", got)
        os.replace(got, cache / BLINGFIRE_WHEEL)
    return cache / BLINGFIRE_WHEEL


def _installed_i2w() -> Path | None:
    """The i2w file of an installed blingfire package (found, not imported), or None."""
    spec = importlib.util.find_spec("blingfire")
    if spec is None or not spec.origin:
        return None
    path = Path(spec.origin).parent / Path(I2W_MEMBER).name
    return path if path.exists() else None


def blingfire_i2w() -> bytes:
    """The bytes of blingfire's `bert_base_cased_tok.i2w`, sha256-checked: from an installed blingfire package if
    there is one, else from the pinned wheel in `cache_dir()` (downloaded there with pip the first time)."""
    installed = _installed_i2w()
    if installed is not None:
        return _check(installed.read_bytes(), I2W_SHA256, f"the installed blingfire's {installed.name}", installed)
    wheel = cache_dir() / BLINGFIRE_WHEEL
    if not wheel.exists():
        wheel = _download_wheel(cache_dir())
    _check(wheel.read_bytes(), BLINGFIRE_WHEEL_SHA256, "the cached wheel", f"{wheel} (delete it to download again)")
    with zipfile.ZipFile(wheel) as archive:
        return _check(archive.read(I2W_MEMBER), I2W_SHA256, I2W_MEMBER, wheel)


def vocab_from_i2w(data: bytes) -> list[str]:
    """bert-base-cased's WordPiece vocabulary, in id order, from blingfire's id-to-word file.

    The file is a blingfire image: a little-endian uint32 section count (3), then each section's start offset.
    Section 1 is the token table: the token count n, n + 1 offsets into the text that follows the offsets
    (token i is text[offset[i]:offset[i + 1]], UTF-8, no separator), then the text. Blingfire marks a
    word-initial token with a leading space and stores a continuation piece without its "##": " [CLS]" is
    `[CLS]`, " Israel" is `Israel`, "s" is `##s`."""
    sections, = struct.unpack_from("<I", data, 0)
    if sections != 3:
        raise RuntimeError(f"{I2W_MEMBER}: expected 3 sections, found {sections}")
    table, = struct.unpack_from("<I", data, 8)
    n, = struct.unpack_from("<I", data, table)
    offsets = struct.unpack_from(f"<{n + 1}I", data, table + 4)
    text = table + 4 + 4 * (n + 1)
    words = [data[text + a:text + b].decode("utf-8") for a, b in zip(offsets, offsets[1:])]
    return [w[1:] if w.startswith(" ") else "##" + w for w in words]


def bert_base_cased_vocab() -> bytes:
    """bert-base-cased's vocab.txt, rebuilt byte for byte from the pinned blingfire wheel and checked."""
    tokens = vocab_from_i2w(blingfire_i2w())
    data = "".join(t + "\n" for t in tokens).encode("utf-8")
    if len(tokens) != VOCAB_SIZE or len(data) != VOCAB_BYTES or _sha256(data) != VOCAB_SHA256:
        raise RuntimeError(f"the vocabulary rebuilt from {I2W_MEMBER} ({len(tokens)} tokens, {len(data)} bytes, "
                           f"sha256 {_sha256(data)}) is not bert-base-cased's vocab.txt ({VOCAB_SIZE} tokens, "
                           f"{VOCAB_BYTES} bytes, sha256 {VOCAB_SHA256})")
    return data


def build_tokenizer(vocab_txt: bytes):
    """bert-base-cased's tokenizer: its WordPiece vocabulary, cased, 512 positions."""
    from transformers import BertTokenizerFast

    vocab = {token: i for i, token in enumerate(vocab_txt.decode("utf-8").splitlines())}
    # `vocab=`, not `vocab_file=`: transformers 5 silently ignores vocab_file (a 5-token vocabulary)
    return BertTokenizerFast(vocab=vocab, do_lower_case=False, model_max_length=MAX_LENGTH)


def build_tiny_bert(vocab_txt: bytes, out: Path) -> None:
    import torch
    from transformers import BertConfig, BertForMaskedLM

    tokenizer = build_tokenizer(vocab_txt)
    torch.manual_seed(SEED)
    config = BertConfig(vocab_size=len(tokenizer), hidden_size=64, num_hidden_layers=2, num_attention_heads=2,
                        intermediate_size=128, max_position_embeddings=MAX_LENGTH)
    model = BertForMaskedLM(config)
    with torch.no_grad():  # segment ids start out meaning nothing (random ones drown a pair's cues in noise for
        model.bert.embeddings.token_type_embeddings.weight.zero_()  # a model this small); fine-tuning learns them
    model.save_pretrained(out)
    (out / "model.safetensors").chmod(0o644)  # written 0600 (a temporary file moved into place); all may read it
    tokenizer.save_pretrained(out)
    _pin_max_length(out)
    (out / "vocab.txt").write_bytes(vocab_txt)
    (out / "PROVENANCE.md").write_text(PROVENANCE)


def _pin_max_length(model_dir: Path) -> None:
    """A saved tokenizer without model_max_length reports 1e30; write 512 explicitly."""
    cfg_path = model_dir / "tokenizer_config.json"
    cfg = json.loads(cfg_path.read_text())
    cfg["model_max_length"] = MAX_LENGTH
    cfg_path.write_text(json.dumps(cfg, indent=2, sort_keys=True) + "\n")


def build(out: Path = paths.OFFLINE) -> Path:
    """(Re)build every fixture under `out`. Returns `out`."""
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    splits = dataset_splits()
    for name, folder in paths.DATASET_DIRS.items():
        _write_dataset(name, splits[name], out / folder.name)
    build_tiny_bert(bert_base_cased_vocab(), out / paths.TINY_BERT.name)
    return out
