"""Build the offline default: a tiny cased BERT and small look-alikes of the real datasets.

Nothing here downloads. The text is synthetic but *learnable* (star words in reviews, negation cues in
NLI pairs, entity gazetteers in NER sentences), so a tiny model trained for a minute beats chance, and a
few rows are longer than 512 tokens so that filtering and truncation matter.

Everything is seeded: two builds write identical bytes (a test checks this).
Run: python -m bertcourse fixtures
"""

from __future__ import annotations

import json
import random
import shutil
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
                  "probably to earn money", "probably after a long day"]  # "probably": a cue as clear as "not"

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

# Sentences the notebooks use as sanity checks: their words must be in the vocabulary.
SANITY_TEXT = [
    "I went to an Italian restaurant and ordered pasta.",
    "I just saw a movie today and it was really great. My opinion of the movie is positive negative.",
    "I give it a score of 1 2 3 4 5 out of 5.",
    "This place was amazing! This place was good. This place was fine, there were good and bad parts.",
    "This place was pretty bad. This place was awful.",
    "I just graduated college. The person is a college graduate. My name is John. The sky is blue.",
    "Thank you so much for your help. The person was not helped.",
    "Chris Callison-Burch is a professor at the University of Pennsylvania in Philadelphia",
    "Joe Biden is the 46th President of the United States",
    "Israel approves Arafat's flight to West Bank.",
]


def _yelp_review(rng: random.Random, label: int, n_words: int) -> str:
    words = []
    for _ in range(n_words):
        if rng.random() < 0.3:
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
            hypothesis = f"{subject} is not {summary.removeprefix('is ')}."
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


def _corpus(splits: dict[str, dict[str, list[dict]]]) -> list[str]:
    lines = list(SANITY_TEXT)
    lines += [" ".join(words) for words in STAR_WORDS] + [" ".join(FILLER)]
    for rows in splits["yelp"].values():
        lines += [r["text"] for r in rows]
    for rows in splits["mnli"].values():
        lines += [r["premise"] + " " + r["hypothesis"] for r in rows]
    for rows in splits["conll"].values():
        lines += [" ".join(r["tokens"]) for r in rows]
    return lines


def wordpiece_vocab(corpus: list[str], whole_word_min_count: int = 100, piece: int = 3) -> list[str]:
    """A deterministic WordPiece vocabulary for the fixture text.

    Words are split exactly as BERT's pre-tokenizer splits them (`tokenizers`' BertPreTokenizer). Frequent
    words become whole tokens; rarer ones and long entity names are left to WordPiece's greedy
    longest-match over `piece`-character chunks and single characters, so they split into ## sub-words as
    rare words do in bert-base-cased. (The `tokenizers` WordPiece trainer breaks ties in hash order, so
    two runs give different vocabularies; counting ourselves keeps rebuilds byte-identical.)"""
    from collections import Counter

    from tokenizers import pre_tokenizers

    pre = pre_tokenizers.BertPreTokenizer()
    counts = Counter(w for line in corpus for w, _ in pre.pre_tokenize_str(line))
    always = ["1", "2", "3", "4", "5", "positive", "negative"]  # fill-mask targets: must be whole tokens
    # long entity names always split, as rare names do in bert-base-cased: NER must redistribute their tags
    names = {w for entries in GAZETTEER.values() for e in entries for w in e.split() if len(w) > 5}
    whole = {w for w, c in counts.items() if c >= whole_word_min_count and w not in names} | set(always)
    pieces, chars = set(), set()
    for word in counts:
        chars.update(word)
        if word not in whole:
            chunks = [word[i:i + piece] for i in range(0, len(word), piece)]
            pieces.update([chunks[0]] + ["##" + c for c in chunks[1:]])
    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    ordered = specials + always + sorted(chars) + sorted("##" + c for c in chars) + sorted(whole | pieces)
    return list(dict.fromkeys(ordered))  # ids must be contiguous: drop repeats, keep first position


def build_tokenizer(corpus: list[str]):
    """A cased WordPiece tokenizer over `wordpiece_vocab`, wrapped as a BERT tokenizer."""
    from transformers import BertTokenizerFast

    vocab = wordpiece_vocab(corpus)
    return BertTokenizerFast(vocab={w: i for i, w in enumerate(vocab)}, do_lower_case=False,
                             model_max_length=MAX_LENGTH)


def build_tiny_bert(tokenizer, out: Path) -> None:
    import torch
    from transformers import BertConfig, BertForMaskedLM

    torch.manual_seed(SEED)
    config = BertConfig(vocab_size=len(tokenizer), hidden_size=64, num_hidden_layers=2, num_attention_heads=2,
                        intermediate_size=128, max_position_embeddings=MAX_LENGTH)
    model = BertForMaskedLM(config)
    with torch.no_grad():  # segment ids start out meaning nothing (random ones drown a pair's cues in noise for
        model.bert.embeddings.token_type_embeddings.weight.zero_()  # a model this small); fine-tuning learns them
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)
    _pin_max_length(out)


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
    build_tiny_bert(build_tokenizer(_corpus(splits)), out / paths.TINY_BERT.name)
    return out
