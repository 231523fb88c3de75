"""Batch-grading benchmark (not a test), and the generator of the sample submissions in tests/submissions/.

    .venv/bin/python benchmarks/grading_benchmark.py [--n 100] [--workers 1 2]
        generates N notebook-1 submissions (seeded mixes of correct and wrong functions), grades them with
        `python -m bertcourse grade` once per worker count and reports the median seconds per submission
        (kernel start included, from each result's `seconds`) and the batch wall time.
    .venv/bin/python benchmarks/grading_benchmark.py --samples tests/submissions
        rewrites the robustness / hostile sample submissions that tests/test_batch_grading.py grades.
"""

from __future__ import annotations

import argparse
import copy
import io
import json
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import nbformat

REPO = Path(__file__).resolve().parent.parent
NAME = "nb1_zero_shot"
STUDENT = REPO / "notebooks" / NAME / f"{NAME}.ipynb"
SOLUTION = REPO / "autograder" / NAME / f"{NAME}.ipynb"

# Wrong (but plausible) answers, per function.
WRONG = {
    "concatenate_mask": 'TEMPLATE = " I give it a score of [MASK] out of 5."\n\n\ndef concatenate_mask(row):\n'
                        '    row["input"] = TEMPLATE + row["text"]\n    return row\n',
    "filter_for_max_length": 'def filter_for_max_length(row):\n    return len(row["input"].split()) <= max_length\n',
    "apply_bert": 'STAR_TARGETS = ["1", "2", "3", "4", "5"]\n\n\ndef apply_bert(row):\n'
                  '    guesses = bert_model(row["input"], targets=STAR_TARGETS)\n'
                  '    return {"score": int(guesses[-1]["token_str"])}\n',
    "accuracy": 'def accuracy(outputs, reference):\n    return sum(o == r for o, r in zip(outputs, reference)) / 100\n',
}
FUNCTIONS = list(WRONG)


def _answer_cells(nb) -> list[int]:
    return [i for i, c in enumerate(nb.cells) if "otter_answer_cell" in c.metadata.get("tags", [])]


def _solutions() -> list[str]:
    sol = nbformat.read(SOLUTION, as_version=4)
    cells = [c.source for c in sol.cells if "otter_assign_solution_cell" in c.metadata.get("tags", [])]
    return [s.replace("    # BEGIN SOLUTION\n", "").replace("    # END SOLUTION\n", "") for s in cells]


def student(answers: dict[str, str] | None = None):
    """The released student notebook with some answer cells replaced: {"accuracy": "correct"|"wrong"|src}."""
    nb = nbformat.read(STUDENT, as_version=4)
    solutions = _solutions()
    for func, index, solution in zip(FUNCTIONS, _answer_cells(nb), solutions):
        choice = (answers or {}).get(func)
        if choice == "correct":
            nb.cells[index].source = solution
        elif choice == "wrong":
            nb.cells[index].source = WRONG[func]
        elif choice:
            nb.cells[index].source = choice
    return nb


def perfect():
    return student({f: "correct" for f in FUNCTIONS})


def _insert_after_answer(nb, func: str, source: str, before: bool = False):
    index = _answer_cells(nb)[FUNCTIONS.index(func)]
    nb.cells.insert(index if before else index + 1, nbformat.v4.new_code_cell(source))
    return nb


def _with_cell(nb, source: str, at: int | None = None):
    code = [i for i, c in enumerate(nb.cells) if c.cell_type == "code"]
    nb.cells.insert(code[2] if at is None else at, nbformat.v4.new_code_cell(source))
    return nb


def _export_zip(nb, extra: dict[str, str] | None = None) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr(f"{NAME}.ipynb", nbformat.writes(nb))
        for name, text in (extra or {}).items():
            zf.writestr(name, text)
    return buf.getvalue()


def samples() -> dict[str, bytes | object]:
    """file name -> notebook node or raw bytes. Keep them small: outputs are never stored."""
    out: dict[str, object] = {}
    out["perfect.ipynb"] = perfect()
    out["partial.ipynb"] = student({"concatenate_mask": "correct", "filter_for_max_length": "wrong",
                                    "apply_bert": "wrong", "accuracy": "correct"})
    out["stub.ipynb"] = student()
    out["raises_in_first_cell.ipynb"] = _with_cell(perfect(), 'raise RuntimeError("first cell fails")', at=0)
    out["infinite_loop.ipynb"] = _insert_after_answer(perfect(), "concatenate_mask", "while True:\n    pass\n")
    out["memory_hog.ipynb"] = _insert_after_answer(
        perfect(), "concatenate_mask",
        "def hog():\n    chunks = []\n    try:\n        while True:  # grows until the memory cap stops it\n"
        "            chunks.append(bytearray(100 * 2**20))\n    except MemoryError:\n        n = len(chunks)\n"
        "        chunks.clear()\n        raise MemoryError(f'stopped after {n} chunks of 100 MB')\n\n\nhog()\n")
    out["sys_exit.ipynb"] = _insert_after_answer(perfect(), "filter_for_max_length", "import sys\n\nsys.exit(1)\n")
    out["os_exit.ipynb"] = _insert_after_answer(perfect(), "filter_for_max_length", "import os\n\nos._exit(0)\n")
    out["My Homework (final) v2.ipynb"] = copy.deepcopy(out["partial.ipynb"])  # renamed file
    nb = perfect()
    nb.cells = [c for c in nb.cells if "grader.check(" not in c.source]
    out["deleted_check_cells.ipynb"] = nb
    out["edited_public_tests.zip"] = _export_zip(student(), {
        f"tests/{t}.py": "from otter.test_files import test_case\nOK_FORMAT = False\nname = %r\npoints = 3\n\n"
                         "@test_case(points=None, hidden=False)\ndef test_ok():\n    assert True\n" % t
        for t in ["q1_concatenate_mask", "q2_filter_for_max_length", "q3_apply_bert", "q4_accuracy"]})
    nb = student({"concatenate_mask": "correct"})
    _insert_after_answer(nb, "accuracy", 'raise ValueError("a cell that fails before the definition")', before=True)
    out["defined_after_failing_cell.ipynb"] = _insert_after_answer(nb, "accuracy", _solutions()[3])
    out["huge_output.ipynb"] = _insert_after_answer(
        perfect(), "accuracy", 'for _ in range(200):\n    print("spam " * 20000)\n')
    out["corrupt.ipynb"] = b'{"cells": [{"cell_type": "code", "source": "1/0"'  # truncated JSON
    out["notes.txt"] = b"not a notebook at all\n"
    out["empty.zip"] = _empty_zip()
    out["perfect_export.zip"] = _export_zip(perfect())
    # hostile ones: each tries to pass tests it should fail (the answers are stubs or wrong)
    out["hostile_f1_score.ipynb"] = _with_cell(
        student({"accuracy": "def accuracy(outputs, reference):\n    from sklearn.metrics import f1_score\n"
                             "    return f1_score(reference, outputs, average='micro')\n"}),
        "import sklearn.metrics\n\nsklearn.metrics.f1_score = lambda *args, **kwargs: 1.0\n")
    out["hostile_numpy.ipynb"] = _with_cell(student(), "import numpy as np\n\nnp.mean = lambda *a, **k: 1.0\n"
                                                       "arr = np\narr.isclose = lambda *a, **k: True\n")
    out["hostile_builtins.ipynb"] = _with_cell(
        student(), "import builtins\n\nbuiltins.isinstance = lambda *args: True\nbuiltins.len = lambda x: 0\n")
    out["hostile_builtins_dunder.ipynb"] = _with_cell(
        student(), "__builtins__.isinstance = lambda *args: True\n")
    out["hostile_grader.ipynb"] = _insert_after_answer(
        student(), "accuracy",
        "class FakeGrader:\n    def check(self, *args, **kwargs):\n        return 'All tests passed!'\n\n\n"
        "grader = FakeGrader()\n")
    out["hostile_otter_patch.ipynb"] = _with_cell(
        student(), "from otter.test_files import abstract_test\n\n"
                   "abstract_test.TestCaseResult.passed = property(lambda self: True)\n")
    out["hostile_writes_tests.ipynb"] = _with_cell(
        student(), 'for name in ["q1_concatenate_mask", "q2_filter_for_max_length", "q3_apply_bert", "q4_accuracy"]:\n'
                   '    with open(f"tests/{name}.py", "w") as f:\n'
                   '        f.write("OK_FORMAT = False\\nname = %r\\npoints = 3\\n" % name)\n')
    out["hostile_shell_magic.ipynb"] = _with_cell(student(), "!rm -rf tests && mkdir tests\n")
    out["hostile_obfuscated.ipynb"] = _with_cell(
        student(), "m = __import__('buil' + 'tins')\nsetattr(m, 'isin' + 'stance', lambda *a: True)\n")
    return out


def _empty_zip() -> bytes:
    buf = io.BytesIO()
    zipfile.ZipFile(buf, "w").close()
    return buf.getvalue()


def write(files: dict[str, object], folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        if isinstance(content, (bytes, bytearray)):
            (folder / name).write_bytes(content)
        else:
            nbformat.write(content, folder / name)


def batch(n: int, seed: int = 0) -> dict[str, object]:
    rng = random.Random(seed)
    return {f"student_{i:03d}.ipynb": student({f: rng.choice(["correct", "wrong", None]) for f in FUNCTIONS})
            for i in range(n)}


def grade(folder: Path, out: Path, workers: int) -> tuple[float, list[float]]:
    start = time.monotonic()
    subprocess.run([sys.executable, "-m", "bertcourse", "grade", str(folder), "--out", str(out),
                    "--workers", str(workers), "--timeout", "300"], cwd=REPO, check=True,
                   stdout=subprocess.DEVNULL)
    wall = time.monotonic() - start
    seconds = [json.loads(p.read_text()).get("seconds", 0.0) for p in (out / "results").glob("*.json")]
    return wall, seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--samples", type=Path, help="write the sample submissions here and stop")
    parser.add_argument("--n", type=int, default=100)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args()
    if args.samples:
        write(samples(), args.samples)
        print(f"wrote {len(samples())} samples to {args.samples}")
        return 0
    with tempfile.TemporaryDirectory(prefix="grading-bench-") as tmp:
        folder = Path(tmp) / "submissions"
        write(batch(args.n), folder)
        for workers in args.workers:
            out = Path(tmp) / f"out-{workers}"
            shutil.rmtree(out, ignore_errors=True)
            wall, seconds = grade(folder, out, workers)
            print(f"{args.n} submissions, {workers} worker(s): batch wall time {wall:.1f} s, "
                  f"median {statistics.median(seconds):.2f} s per submission "
                  f"(min {min(seconds):.2f}, max {max(seconds):.2f}; kernel start included; "
                  f"one-off preload included in the wall time)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
