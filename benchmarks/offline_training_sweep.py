"""Sweep of the offline training recipes (not a test): does each notebook learn whatever the seed and threads?

    .venv/bin/python benchmarks/offline_training_sweep.py [--seeds 0 1 2 3 4] [--threads 1 2] [--only nb4_conll_ner]

Runs every training notebook's master top to bottom on the offline fixtures (the same code path as the tests,
bertcourse.execute), once per seed and per thread count, and prints min / median / max of each metric the tests
check. A seed replaces every 42 in the notebook (`set_seed(42)`, the `shuffle(seed=42)` row samples) and is
passed to TrainingArguments as `seed=` (the Trainer's data order), so a run differs in its initial head, its
rows and their order. The thread count is OMP_NUM_THREADS, which torch reads at start-up. The test floors
(tests/test_nb2_nb3.py, tests/test_nb4.py) must sit well under the minimum and well above chance.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import nbformat

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bertcourse import paths  # noqa: E402
from bertcourse.execute import execute_notebook  # noqa: E402

# notebook -> (metrics the tests check, chance level of each, the tests' floor)
METRICS = {
    "nb2_yelp_stars": {"test_accuracy": (0.2, 0.5)},
    "nb3_mnli_pairs": {"matched_accuracy": (1 / 3, 0.6), "mismatched_accuracy": (1 / 3, 0.6)},
    "nb4_conll_ner": {"seqeval_overall_f1": (0.0, 0.5), "token_macro_f1": (0.0, 0.5)},
}


def seeded_copy(name: str, seed: int, folder: Path) -> Path:
    """The master with every 42 seed replaced by `seed`, and `seed` given to TrainingArguments."""
    nb = nbformat.read(paths.SOLUTIONS / f"{name}.ipynb", as_version=4)
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        source = cell.source.replace("set_seed(42)", f"set_seed({seed})").replace("seed=42", f"seed={seed}")
        cell.source = source.replace("training_args = TrainingArguments(\n",
                                     f"training_args = TrainingArguments(\n    seed={seed},\n")
    path = folder / f"{name}-seed{seed}.ipynb"
    nbformat.write(nb, path)
    return path


def run_once(name: str, seed: int, threads: int) -> tuple[dict[str, float], float]:
    os.environ["OMP_NUM_THREADS"] = str(threads)  # offline_env() passes it on to the notebook's kernel
    with tempfile.TemporaryDirectory() as folder:
        _, seconds, values = execute_notebook(seeded_copy(name, seed, Path(folder)), collect=tuple(METRICS[name]))
    return values, seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--only", nargs="+", choices=sorted(METRICS), default=sorted(METRICS))
    args = parser.parse_args()

    rows = []
    started = time.monotonic()
    for name in args.only:
        results: dict[str, list[float]] = {metric: [] for metric in METRICS[name]}
        times = []
        for threads in args.threads:
            for seed in args.seeds:
                values, seconds = run_once(name, seed, threads)
                times.append(seconds)
                for metric in results:
                    results[metric].append(values[metric])
                print(f"{name} seed {seed} threads {threads}: "
                      + ", ".join(f"{m} {values[m]:.3f}" for m in results) + f" ({seconds:.0f} s)", flush=True)
        for metric, scores in results.items():
            chance, floor = METRICS[name][metric]
            rows.append((name, metric, len(scores), min(scores), statistics.median(scores), max(scores), chance,
                         floor, statistics.median(times)))

    print(f"\nseeds {args.seeds} x threads {args.threads}, {time.monotonic() - started:.0f} s in all\n")
    print("| notebook | metric | runs | min | median | max | chance / all-O | test floor | median run |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name, metric, n, low, mid, high, chance, floor, seconds in rows:
        print(f"| {name} | {metric} | {n} | {low:.3f} | {mid:.3f} | {high:.3f} | {chance:.2f} | {floor:.2f} "
              f"| {seconds:.0f} s |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
