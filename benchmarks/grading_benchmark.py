"""Batch-grading benchmark (not a test): the sandboxed batch grader against plain `otter run`, in one run.

    .venv/bin/python benchmarks/grading_benchmark.py [--n 100] [--otter-sample 5] [--mixed 100]

1. N generated notebook-1 submissions (seeded mixes of correct, wrong and unfinished answers) graded by
   `python -m bertcourse grade` with 1 worker: median seconds per submission (each result's own time: sandbox
   job start to verdict) and the batch wall time per submission (start-up included).
2. The first K of the same submissions graded one by one with plain `otter run` (no sandbox, tests in the
   student's kernel): median seconds per submission, and the ratio.
3. A batch of M submissions mixing notebooks 1-4 graded with 2 workers: wall time and medians.
Submissions are built by tests/samples.py, as the sample submissions are.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "tests")]

import samples  # noqa: E402
from bertcourse.grading import otter_run  # noqa: E402
from bertcourse.release import offline_env, zip_path  # noqa: E402

NOTEBOOKS = [samples.NB1, samples.NB2, samples.NB3, samples.NB4]


def _distinct(nb, i: int):
    """Real submissions differ in their bytes even when the answers agree (the grader grades identical bytes once)."""
    nb.metadata["student"] = i
    return samples.as_bytes(nb)


def nb1_batch(n: int, rng: random.Random) -> dict[str, bytes]:
    choices = ["correct", "wrong", None]
    return {f"student_{i:03d}_nb1_zero_shot.ipynb": _distinct(samples.student(
        {f: rng.choice(choices) for f in samples.answer_names()}), i) for i in range(n)}


def mixed_batch(n: int, rng: random.Random) -> dict[str, bytes]:
    out = {}
    for i in range(n):
        name = NOTEBOOKS[i % 4]
        if name == samples.NB1:
            nb = samples.student({f: rng.choice(["correct", "wrong", None]) for f in samples.answer_names()})
        else:
            nb = samples.student({f: rng.choice(["correct", None]) for f in samples.answer_names(name)}, name)
        out[f"student_{i:03d}_{name}.ipynb"] = _distinct(nb, i)
    return out


def write(files: dict[str, bytes], folder: Path) -> Path:
    folder.mkdir(parents=True)
    for name, data in files.items():
        (folder / name).write_bytes(data)
    return folder


def batch_grade(folder: Path, out: Path, workers: int) -> tuple[float, list[float]]:
    start = time.monotonic()
    subprocess.run([sys.executable, "-m", "bertcourse", "grade", str(folder), "--out", str(out),
                    "--workers", str(workers)], cwd=REPO, check=True, stdout=subprocess.DEVNULL,
                   env=offline_env(out))
    wall = time.monotonic() - start
    seconds = []
    for path in (out / "results").glob("*.json"):
        result = json.loads(json.loads(path.read_text())["result"])
        seconds.append(result.get("seconds", 0.0))
    return wall, seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=100, help="notebook-1 submissions for the 1-worker run")
    parser.add_argument("--otter-sample", type=int, default=5, help="of those, graded with plain otter run")
    parser.add_argument("--mixed", type=int, default=100, help="submissions of notebooks 1-4 for the 2-worker run")
    args = parser.parse_args()
    rng = random.Random(0)
    with tempfile.TemporaryDirectory(prefix="grading-bench-") as tmp:
        tmp = Path(tmp)
        files = nb1_batch(args.n, rng)
        folder = write(files, tmp / "nb1")
        wall, seconds = batch_grade(folder, tmp / "out-nb1", 1)
        ours = statistics.median(seconds)
        print(f"batch grader, {args.n} notebook-1 submissions, 1 worker: median {ours:.2f} s per submission "
              f"(min {min(seconds):.2f}, max {max(seconds):.2f}); wall {wall:.0f} s = {wall / args.n:.2f} s per "
              "submission, sandbox start-up included", flush=True)

        plain = []
        for name in sorted(files)[:args.otter_sample]:
            start = time.monotonic()
            otter_run(folder / name, zip_path(samples.NB1), timeout=600)
            plain.append(time.monotonic() - start)
        theirs = statistics.median(plain)
        print(f"plain otter run, {len(plain)} of the same submissions: median {theirs:.2f} s per submission "
              f"(min {min(plain):.2f}, max {max(plain):.2f}); batch grader {theirs / ours:.1f}x faster "
              f"(per submission), {theirs / (wall / args.n):.1f}x (batch wall time)", flush=True)

        if args.mixed:
            folder = write(mixed_batch(args.mixed, rng), tmp / "mixed")
            wall, seconds = batch_grade(folder, tmp / "out-mixed", 2)
            print(f"batch grader, {args.mixed} submissions of notebooks 1-4, 2 workers: wall {wall:.0f} s "
                  f"({wall / args.mixed:.2f} s per submission), median {statistics.median(seconds):.2f} s each",
                  flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
