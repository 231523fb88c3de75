"""After grading (bertcourse/report.py): report.html agrees with grades.csv and renders in a real browser;
the Canvas and otter exports; regrading one file with --only leaves every other row as it was."""

from __future__ import annotations

import csv
import os
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

import samples
from bertcourse import paths, report
from bertcourse.release import offline_env
from bertcourse.sandbox import bwrap_usable
from course_runs import graded_samples

pytestmark = pytest.mark.skipif(bwrap_usable() is not None or os.geteuid() != 0,
                                reason=f"grading needs root and bubblewrap ({bwrap_usable()}); `make test` installs it")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def out() -> Path:
    run = graded_samples()
    assert run["returncode"] == 0, run["stderr"]
    return Path(run["out"])


def _rows(folder: Path) -> list[dict]:
    return list(csv.DictReader((folder / "grades.csv").open(encoding="utf-8")))


class _Tables(HTMLParser):
    """Every <table>'s rows of cell texts, by the table's id or class."""

    def __init__(self):
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self.section = ""
        self._table = self._row = self._cell = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "section":
            self.section = attrs.get("id", "")
        elif tag == "table":
            self._table = self.tables.setdefault(f"{self.section}/{attrs.get('id') or attrs.get('class')}", [])
        elif tag == "tr" and self._table is not None:
            self._row = []
            self._table.append(self._row)
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self._row.append("".join(self._cell).strip())
            self._cell = None
        elif tag == "table":
            self._table = None


def test_report_numbers_agree_with_grades_csv(out):
    parser = _Tables()
    parser.feed((out / "report.html").read_text(encoding="utf-8"))
    rows = _rows(out)
    overview = {r[0]: r for r in parser.tables["/overview"][1:]}
    for name, points in {samples.NB1: samples.FULL1, **samples.FULL}.items():
        mine = [r for r in rows if r["notebook"] == name]
        totals = [float(r["total"]) for r in mine]
        _, count, ok, mean, median, top = overview[name]
        assert int(count) == len(mine) and int(ok) == sum(r["status"] == "ok" for r in mine)
        assert float(mean) == pytest.approx(sum(totals) / len(totals), abs=0.005)
        assert float(top) == sum(points.values())
        questions = {r[0]: r for r in parser.tables[f"{name}/questions"][1:]}
        for question in points:
            scores = [float(r[question]) for r in mine]
            assert float(questions[question][2]) == pytest.approx(sum(scores) / len(scores), abs=0.005)
            full = sum(s == points[question] for s in scores) / len(scores)
            assert questions[question][3] == f"{full:.0%}"
        problems = {r[0] for r in parser.tables.get(f"{name}/problems", [])[1:]}
        assert problems == {r["file"] for r in mine if r["status"] != "ok"}


def test_report_names_hidden_tests_and_the_commonest_public_message(out):
    text = (out / "report.html").read_text(encoding="utf-8")
    assert "q2_filter_for_max_length - 3" in text and ">hidden<" in text
    assert "concatenate_mask must return a dict" in text  # the stubs' most frequent public failure
    for secret in samples.hidden_only_lines():
        assert secret not in text, "the report shows a hidden test's code"


@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (`make test` installs the Debian package)")
def test_report_renders_in_headless_chromium(out, tmp_path):
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={tmp_path / 'profile'}"]
    url = (out / "report.html").as_uri()
    dom = subprocess.run([CHROMIUM, *flags, "--dump-dom", url], capture_output=True, text=True, timeout=120)
    assert dom.returncode == 0, dom.stderr[-2000:]
    for name in (samples.NB1, samples.NB2, samples.NB3, samples.NB4):
        assert f'<section class="notebook" id="{name}">' in dom.stdout
    assert len(re.findall(r'<img class="plot" alt="[^"]+" src="data:image/png;base64,', dom.stdout)) == 8
    shot = tmp_path / "report.png"
    done = subprocess.run([CHROMIUM, *flags, "--window-size=1200,2400", f"--screenshot={shot}", url],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and shot.exists(), done.stderr[-2000:]
    from PIL import Image

    image = Image.open(shot).convert("RGB")
    colours = image.resize((120, 240)).getcolors(maxcolors=120 * 240)
    assert colours is not None and len(colours) > 20, "the page rendered blank"
    kept = os.environ.get("BERTCOURSE_KEEP_SCREENSHOT")
    if kept:
        shutil.copy(shot, kept)


def test_canvas_and_otter_exports(out):
    canvas = list(csv.reader((out / "canvas_gradebook.csv").open(encoding="utf-8")))
    assert canvas[0][:5] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
    assert canvas[0][5:] == [samples.NB1, samples.NB2, samples.NB3, samples.NB4]
    assert canvas[1][0] == "Points Possible" and canvas[1][5] == "10"
    students = {row[0]: row for row in canvas[2:]}
    assert students["perfect"][5] == "10" and students["stub"][5] == "0"
    assert all(not row[0].startswith(("=", "+", "@")) for row in canvas[2:]), "formulas neutralised"
    final = list(csv.reader((out / "final_grades_nb1_zero_shot.csv").open(encoding="utf-8")))
    assert final[0] == ["file", *sorted(samples.Q1), "total_points_earned", "percent_correct", "grading_status"]
    assert final[1][0] == "points-per-question" and final[1][-3:] == ["10", "1", "--"]
    by_file = {row[0]: row for row in final[2:]}
    assert by_file["perfect.ipynb"][-3:] == ["10", "1", "Completed"]
    assert by_file["os_exit.ipynb"][-3] == "0" and by_file["os_exit.ipynb"][-1].startswith("error")


def test_canvas_student_rule():
    notebooks = [samples.NB1, samples.NB2]
    assert report.student_of("smithjane_12345_67890_nb1_zero_shot.ipynb", notebooks) == ("smithjane", "12345", "")
    assert report.student_of("smithjane_LATE_12345_67890_nb1.ipynb", notebooks) == ("smithjane", "12345", "")
    assert report.student_of("jdoe_nb2_yelp_stars.ipynb", notebooks) == ("jdoe", "", "jdoe")
    assert report.student_of("jdoe.ipynb", notebooks) == ("jdoe", "", "jdoe")


def test_regrading_one_file_replaces_only_its_row(out, tmp_path):
    copy = tmp_path / "out"
    shutil.copytree(out, copy)
    done = subprocess.run([sys.executable, "-m", "bertcourse", "grade", str(samples.FOLDER), "--out", str(copy),
                           "--workers", "1", "--timeout", "40", "--only", "partial.ipynb"], cwd=paths.REPO,
                          env=offline_env(copy), capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    assert " 1 to grade" in done.stdout and "partial.ipynb: ok" in done.stdout, done.stdout[-1500:]
    assert _rows(copy) == _rows(out)


def test_a_version_record_is_read_as_data_and_odd_ones_are_unknown():
    from bertcourse import versions

    good = {"python": "3.12.12", "torch": "2.8.0+cu126", "transformers": "4.57.1", "datasets": "4.0.0",
            "tokenizers": "0.22.1", "gpu": None}
    assert versions.valid(good) == dict(good, gpu="none")
    for odd in [None, [], "3.12", dict(good, python=3.12), dict(good, torch="x" * 101), dict(good, datasets="a\nb")]:
        assert versions.valid(odd) is None, odd
    grader = dict(good, gpu="none", torch="2.8.0+cpu")
    assert versions.drift(versions.valid(good), grader) == [], "a local build suffix is not a difference"
    assert versions.drift(versions.valid(dict(good, transformers="5.0.0")), grader) == [("transformers", "5.0.0",
                                                                                          "4.57.1")]
    assert versions.drift(None, grader) is None
    shown_as_text = {"cells": [{"cell_type": "code", "outputs": [{"output_type": "display_data", "data": {
        "text/plain": "Versions: python 3.12.12, torch 2.8.0+cu126, transformers 4.57.1, gpu Tesla T4"}}]}]}
    assert versions.recorded(shown_as_text) == {"python": "3.12.12", "torch": "2.8.0+cu126", "transformers": "4.57.1",
                                                "datasets": "unknown", "tokenizers": "unknown", "gpu": "Tesla T4"}
    assert versions.recorded({"cells": [{"cell_type": "code", "outputs": [{"output_type": "stream", "text": "x"}]}]}) is None
