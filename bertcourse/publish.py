"""The student repository: `make publish` builds it as a folder; `find_leaks` proves it gives nothing away.

This repository (the instructor's) stays private: it holds the masters with every solution and hidden test,
the autograders and the sample submissions. Students get a separate, public repository
([tool.bertcourse] student_repo in pyproject.toml) that holds only:
  <name>/<name>.ipynb     the four student notebooks (built by `make release`)
  <name>/tests/*.py       their public checks (the notebooks' set-up cells download them in Colab)
  README.md               what each notebook teaches, Colab badges, how long it takes, how to submit
  LICENSE
The notebooks' badges and test downloads point at the student repository, never at this one.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import nbformat

from . import colab, paths

LICENSE = """MIT License

Copyright (c) 2026 {owner}

Permission is hereby granted, free of charge, to any person obtaining a copy of this software and associated
documentation files (the "Software"), to deal in the Software without restriction, including without limitation
the rights to use, copy, modify, merge, publish, distribute, sublicense, and/or sell copies of the Software, and
to permit persons to whom the Software is furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all copies or substantial portions of
the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED, INCLUDING BUT NOT LIMITED TO THE
WARRANTIES OF MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE AUTHORS OR
COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR
OTHERWISE, ARISING FROM, OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE SOFTWARE.
"""

# What each notebook teaches, and its running time on a Colab T4 (see the instructor README's speed table:
# projections from the training benchmark, not measurements on a T4).
NOTEBOOKS = {
    "nb1_zero_shot": ("Zero-shot sentiment: BERT's fill-mask pipeline rates Yelp reviews without any training",
                      "about 5 minutes (no training)"),
    "nb2_yelp_stars": ("Fine-tuning a sequence-classification head on Yelp star ratings; dynamic padding, metrics",
                       "about 10-15 minutes, of which an estimated 1-4 of training"),
    "nb3_mnli_pairs": ("Sentence pairs: natural language inference on MNLI, [SEP] and segment ids",
                       "about 10 minutes, of which an estimated 1 or less of training"),
    "nb4_conll_ner": ("Token classification: named entities on CoNLL-2003, sub-word tags, macro-F1 and seqeval",
                      "about 10 minutes, of which an estimated 1 or less of training"),
}

README = """# Fine-tuning BERT with HuggingFace

Four notebooks that teach fine-tuning a pre-trained language model (BERT) with HuggingFace `transformers`,
`datasets` and `evaluate`. Open one in Google Colab with its badge, run the first cell, fill in every `...`.

| # | notebook | what you build | time on a Colab T4 | open |
|---|----------|----------------|--------------------|------|
{rows}

## How to work on a notebook

1. Click the notebook's badge. In Colab choose *Runtime → Change runtime type → T4 GPU* for notebooks 2–4
   (they train a model; on a CPU that takes hours instead of minutes).
2. Run the first cell: it installs the few packages Colab lacks and downloads the notebook's public checks.
3. Fill in each `...` and run the `grader.check(...)` cell below it. **A passing check is not your score:
   hidden tests with other inputs decide it.** The notebook's text says everything they check.

## How to submit

Run every cell from the top (*Runtime → Run all*), then *File → Download → Download .ipynb* and submit that
file as your course tells you (for example on Gradescope). Do not rename the notebook's functions.

Times are estimates for a T4 with the real model and data, not measurements on one: downloading the model
(~0.4 GB) and the data, and training on 1,000 examples for 3 epochs (375 steps of 8). The training figures
project the course's CPU benchmark of a BERT-base-sized model onto a T4 at an assumed share of its peak speed.
Notebook 2's range is the widest: Yelp reviews are long, so its batches average about 384 tokens after
padding, against 50-70 for notebooks 3 and 4.
"""


def _badge_row(i: int, name: str) -> str:
    teaches, minutes = NOTEBOOKS.get(name, ("", ""))
    return f"| {i} | `{name}` | {teaches} | {minutes} | {colab.badge_markdown(name)} |"


def build(out: Path) -> Path:
    """Write the student repository's files into `out` (emptied first). Returns `out`."""
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    names = [paths.release_name(m) for m in paths.masters()]
    for name in names:
        shutil.copytree(paths.NOTEBOOKS / name, out / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    rows = "\n".join(_badge_row(i, name) for i, name in enumerate(names, 1))
    (out / "README.md").write_text(README.format(rows=rows))
    (out / "LICENSE").write_text(LICENSE.format(owner=colab.config()["student_repo"].split("/")[0]))
    return out


# ------------------------------------------------------------------ what must never be published
SOLUTION_BLOCK = re.compile(r"^\s*# BEGIN SOLUTION.*?$(.*?)^\s*# END SOLUTION", re.S | re.M)


def _raw_parts(master: Path) -> tuple[set[str], set[str], set[str]]:
    """(solution lines, hidden-test lines, every other code line) of a master."""
    nb = nbformat.read(master, as_version=4)
    solution, hidden, public = set(), set(), set()
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        source = cell.source
        if "# BEGIN TEST CONFIG" in source and re.search(r"^hidden:\s*true", source, re.M):
            hidden.update(line.strip() for line in source.splitlines())
            continue
        for block in SOLUTION_BLOCK.findall(source):
            solution.update(line.strip() for line in block.splitlines())
        solution.update(line.split("# SOLUTION")[0].strip() for line in source.splitlines()
                        if line.rstrip().endswith("# SOLUTION"))
        public.update(line.strip() for line in SOLUTION_BLOCK.sub("", source).splitlines())
    return solution, hidden, public


def _meaningful(lines: set[str], public: set[str]) -> set[str]:
    return {l for l in lines - public if len(l) > 8 and not l.startswith("#")}


def master_parts(master: Path) -> tuple[set[str], set[str]]:
    """(solution lines, hidden-test lines) of a master: lines that appear nowhere else in it."""
    solution, hidden, public = _raw_parts(master)
    return _meaningful(solution, public), _meaningful(hidden, public)


def private_lines() -> tuple[set[str], set[str]]:
    """(solution lines, hidden-test lines) of all masters, without the lines any master shows students
    (`MODEL_ID,` is a solution line in one notebook and set-up code in another)."""
    parts = [_raw_parts(m) for m in paths.masters()]
    public = set().union(*(p[2] for p in parts))
    return (_meaningful(set().union(*(p[0] for p in parts)), public),
            _meaningful(set().union(*(p[1] for p in parts)), public))


def _texts(folder: Path):
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        data = path.read_bytes()
        text = data.decode("utf-8", "replace")
        if path.suffix == ".ipynb":
            try:
                nb = nbformat.reads(text, as_version=4)
                yield path, "\n".join(c.source for c in nb.cells), nb
                continue
            except Exception:  # noqa: BLE001 - not a notebook after all: scan its text
                pass
        yield path, text, None


def find_leaks(folder: Path, instructor_repo: str | None = None) -> list[str]:
    """Everything in `folder` (a student release or repository) that must stay private: solution lines and
    hidden tests of any master, autograder files, sample submissions, notebook outputs, the instructor
    repository's name. An empty list means the folder can be published."""
    solution, hidden = private_lines()
    hidden_names = set(re.findall(r"def (test_\w+)", "\n".join(hidden)))
    samples = {p.read_bytes() for p in (paths.REPO / "tests" / "submissions").glob("*") if p.is_file()}
    instructor_repo = instructor_repo or colab.config().get("instructor_repo", "")
    leaks = []
    for path, text, nb in _texts(folder):
        where = path.relative_to(folder)
        if path.read_bytes() in samples:
            leaks.append(f"{where}: a sample submission")
        if path.suffix == ".zip" or path.name in ("otter_config.json", "grading.json", "run_autograder"):
            leaks.append(f"{where}: an autograder file")
        if nb is not None and any(c.get("outputs") for c in nb.cells if c.cell_type == "code"):
            leaks.append(f"{where}: has outputs")
        if "# BEGIN SOLUTION" in text or "# BEGIN TESTS" in text or "otter_assign_solution_cell" in text:
            leaks.append(f"{where}: a master or solution notebook")
        lines = {line.strip() for line in text.splitlines()}
        leaks += [f"{where}: solution line {l!r}" for l in sorted(solution & lines)]
        leaks += [f"{where}: hidden test line {l!r}" for l in sorted(hidden & lines)]
        leaks += [f"{where}: hidden test {n}" for n in sorted(hidden_names) if n in text]
        if instructor_repo and instructor_repo in text:
            leaks.append(f"{where}: names the instructor repository {instructor_repo}")
    return leaks
