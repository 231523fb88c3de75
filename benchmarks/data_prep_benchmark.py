"""Data preparation at the real datasets' sizes (not a test): the seed's order of operations against ours.

    .venv/bin/python benchmarks/data_prep_benchmark.py [--scale 1.0]

The notebooks prepare their data with `Dataset.map` / `filter` / `select`. The seed mapped and filtered whole
splits (all 50,000 Yelp test reviews in notebook 1; all ~412,000 MNLI pairs in notebook 3) and then kept
100 or 1,000 rows; it also mapped one row at a time and padded every row to 512 tokens. Ours picks the rows
first and maps batches without padding. This times both orders on synthesized datasets of the real sizes
and length statistics (Yelp review full test: 50,000 reviews, median about 110 words with a long tail;
MNLI: 392,702 training pairs, premises about 20 words, hypotheses about 10; CoNLL-2003: 14,041 training
sentences of about 14 words), stored on disk as `load_dataset` stores them, with the course's tiny tokenizer
(offline; bert-base-cased's own WordPiece vocabulary). Prints one table row per
notebook: seconds for the seed's order, for ours, and the ratio.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bertcourse import fixtures, paths  # noqa: E402

SIZES = {"yelp_test": 50_000, "mnli_train": 392_702, "conll_train": 14_041}
VOCAB = fixtures.FILLER + [w for words in fixtures.STAR_WORDS for w in words]


def _words(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(VOCAB) for _ in range(max(1, n)))


def build(folder: Path, scale: float):
    """The three synthesized datasets, saved to and loaded from disk."""
    from datasets import Dataset, load_from_disk

    rng = random.Random(0)
    n = {k: max(100, int(v * scale)) for k, v in SIZES.items()}
    yelp = Dataset.from_dict({"text": [_words(rng, int(rng.lognormvariate(4.7, 0.8))) for _ in range(n["yelp_test"])],
                              "label": [rng.randrange(5) for _ in range(n["yelp_test"])]})
    mnli = Dataset.from_dict({"premise": [_words(rng, rng.randint(8, 35)) for _ in range(n["mnli_train"])],
                              "hypothesis": [_words(rng, rng.randint(4, 16)) for _ in range(n["mnli_train"])],
                              "label": [rng.randrange(3) for _ in range(n["mnli_train"])]})
    conll_tokens = [_words(rng, rng.randint(3, 30)).split() for _ in range(n["conll_train"])]
    conll = Dataset.from_dict({"tokens": conll_tokens, "ner_tags": [[rng.choice([0, 0, 0, 1, 2, 5, 6]) for _ in t]
                                                                  for t in conll_tokens]})
    out = {}
    for name, data in [("yelp", yelp), ("mnli", mnli), ("conll", conll)]:
        data.save_to_disk(str(folder / name))
        out[name] = load_from_disk(str(folder / name))
    return out


def timed(work) -> float:
    start = time.perf_counter()
    work()
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of the real sizes (for a quick try)")
    args = parser.parse_args()
    import datasets
    from transformers import AutoTokenizer

    datasets.disable_progress_bars()
    datasets.disable_caching()  # each order computes its maps afresh, as a first run in Colab does
    tokenizer = AutoTokenizer.from_pretrained(str(paths.TINY_BERT))
    tokenizer.model_max_length = 10**6  # no "longer than the maximum" warning: lengths are measured on purpose
    template = " I give it a score of [MASK] out of 5."
    with tempfile.TemporaryDirectory(prefix="data-prep-") as tmp:
        data = build(Path(tmp), args.scale)
        yelp, mnli, conll = data["yelp"], data["mnli"], data["conll"]

        def concatenate_mask(row):
            row["input"] = row["text"] + template
            return row

        def fits(row):
            return len(tokenizer(row["input"])["input_ids"]) <= 512

        def seed_tokenize_yelp(row):  # the seed: every row padded to 512
            return tokenizer(row["text"], padding="max_length", truncation=True, max_length=512)

        def tokenize_yelp(rows):
            return tokenizer(rows["text"], truncation=True, max_length=512)

        def is_labeled(row):
            return row["label"] != -1

        def concatenate(row):
            row["concat"] = row["premise"] + " [SEP] " + row["hypothesis"]
            return row

        def seed_tokenize_mnli(row):
            return tokenizer(row["concat"], padding="max_length", truncation=True, max_length=512)

        def tokenize_mnli(rows):
            return tokenizer(rows["premise"], rows["hypothesis"], truncation=True, max_length=512)

        def tag(row):
            encoding = tokenizer(row["tokens"], is_split_into_words=True, truncation=True, max_length=512)
            encoding["labels"] = [-100 if w is None else row["ner_tags"][w] for w in encoding.word_ids()]
            return encoding

        rows = [
            ("1 Yelp zero-shot: template, filter, 100 reviews",
             lambda: yelp.map(concatenate_mask).filter(fits).shuffle(seed=42).select(range(100)),
             lambda: yelp.shuffle(seed=42).select(range(200)).map(concatenate_mask).filter(fits).select(range(100))),
            ("2 Yelp stars: tokenize 1,000 reviews",
             lambda: yelp.shuffle(seed=42).select(range(1000)).map(seed_tokenize_yelp),
             lambda: yelp.shuffle(seed=42).select(range(1000)).map(tokenize_yelp, batched=True)),
            ("3 MNLI: filter, join, tokenize 1,000 pairs",
             lambda: mnli.filter(is_labeled).map(concatenate).shuffle(seed=42).select(range(1000)).map(seed_tokenize_mnli),
             lambda: mnli.shuffle(seed=42).select(range(1000)).filter(is_labeled).map(concatenate)
             .map(tokenize_mnli, batched=True)),
            ("4 CoNLL: tokenize and tag 1,000 sentences",
             lambda: conll.shuffle(seed=42).select(range(1000)).map(tag),
             lambda: conll.shuffle(seed=42).select(range(1000)).map(tag)),
        ]
        print(f"sizes: {', '.join(f'{k} {len(v):,}' for k, v in data.items())}\n")
        print("| notebook: data preparation | seed's order | ours | ratio |")
        print("|---|---|---|---|")
        for title, seed_order, ours in rows:
            seed_seconds, our_seconds = timed(seed_order), timed(ours)
            print(f"| {title} | {seed_seconds:.1f} s | {our_seconds:.1f} s | {seed_seconds / our_seconds:.0f}× |",
                  flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
