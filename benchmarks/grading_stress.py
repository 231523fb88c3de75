"""Stress run of the batch grader (not a test): can one grading ever see another's notebook or process?

    .venv/bin/python benchmarks/grading_stress.py [--copies 50] [--workers 2] [--no-busy]

Grades COPIES copies each of os_exit, defined_after_failing_cell, perfect and stub (bytes made distinct by a
metadata field, so each is graded on its own) with WORKERS workers while a busy loop occupies one core, and
compares every row with the row that sample deserves (tests/samples.py). Prints the counts; exits 1 if any row
is wrong. (The old grader gave `os_exit` copies `ok` 10/10 here: its retry re-queued whichever notebook had been
started last, so one submission was graded with another's cells.)
"""

from __future__ import annotations

import argparse
import collections
import csv
import json
import multiprocessing
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "tests")]

import samples  # noqa: E402
from bertcourse.release import offline_env  # noqa: E402

KINDS = ["os_exit.ipynb", "defined_after_failing_cell.ipynb", "perfect.ipynb", "stub.ipynb"]


def busy() -> None:
    while True:
        pass


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--copies", type=int, default=50)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--no-busy", action="store_true", help="without the busy loop beside the grader")
    args = parser.parse_args()
    built = samples.build()
    with tempfile.TemporaryDirectory(prefix="grading-stress-") as tmp:
        folder, out = Path(tmp) / "submissions", Path(tmp) / "out"
        folder.mkdir()
        expected = {}
        for kind in KINDS:
            nb = json.loads(built[kind])
            for i in range(args.copies):
                nb["metadata"]["stress_copy"] = i
                name = f"{Path(kind).stem}-{i:03d}.ipynb"
                (folder / name).write_text(json.dumps(nb))
                expected[name] = samples.EXPECTED[kind]
        loop = None if args.no_busy else multiprocessing.Process(target=busy, daemon=True)
        if loop:
            loop.start()
        start = time.monotonic()
        try:
            subprocess.run([sys.executable, "-m", "bertcourse", "grade", str(folder), "--out", str(out),
                            "--workers", str(args.workers)], cwd=REPO, env=offline_env(out), check=True,
                           stdout=subprocess.DEVNULL)
        finally:
            if loop:
                loop.terminate()
        wall = time.monotonic() - start
        counts, wrong = collections.Counter(), []
        for row in csv.DictReader((out / "grades.csv").open(encoding="utf-8")):
            status, _, scores = expected[row["file"]]
            got = {q: float(row[q]) for q in samples.Q1}
            right = row["status"].startswith(status) and got == {q: float((scores or {}).get(q, 0)) for q in samples.Q1}
            counts[(row["file"].rsplit("-", 1)[0], row["status"][:40], "right" if right else "WRONG")] += 1
            if not right:
                wrong.append((row["file"], row["status"], got))
    print(f"{len(expected)} gradings, {args.workers} workers, {'no busy loop' if args.no_busy else 'one core busy'}, "
          f"{wall:.0f} s")
    for (kind, status, verdict), n in sorted(counts.items()):
        print(f"  {kind:<28} {status:<42} {verdict:<5} {n}")
    print(f"wrong rows: {len(wrong)}")
    for row in wrong[:20]:
        print("  ", row)
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main())
