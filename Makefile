# One command per job. Everything runs offline on the course's fixtures (see README).
# The course builds and grades with Python 3.11 (the masters' python_version): otter writes test files in the
# syntax of the Python that builds them, and 3.12+ f-strings do not compile on 3.11.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: venv sandbox browser fixtures release publish demo test clean grade

venv: $(VENV)/.installed

$(VENV)/.installed: requirements.txt
	@command -v $(PYTHON) >/dev/null || { echo "error: $(PYTHON) not found. The course builds and grades with Python 3.11;" \
		"install it, or run make PYTHON=/path/to/python3.11" >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

# The grader runs student code in a bubblewrap sandbox (Debian package `bubblewrap`); installed here when missing
# and we are root with apt-get (CI, Debian/Ubuntu machines). Without it `make grade` refuses to grade.
sandbox:
	@command -v bwrap >/dev/null || { if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "installing bubblewrap (the grader's sandbox)"; \
		apt-get update -qq >/dev/null && apt-get install -y -qq bubblewrap >/dev/null; \
	else echo "warning: bubblewrap is not installed (apt-get install bubblewrap): grading will refuse to run" >&2; fi; }

# The tests render the grading report in headless Chromium (Debian package `chromium`), installed the same way.
browser:
	@command -v chromium >/dev/null || { if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "installing chromium (the report's browser test)"; \
		apt-get update -qq >/dev/null && apt-get install -y -qq chromium >/dev/null; \
	else echo "warning: chromium is not installed: the report's browser test will be skipped" >&2; fi; }

# Rebuild the tiny offline BERT and datasets in solutions/offline/ (committed; byte-identical rebuilds).
fixtures: venv
	$(PY) -m bertcourse fixtures

# otter assign every master in solutions/ into notebooks/ (students) and autograder/ (graders).
release: venv
	$(PY) -m bertcourse release

# The public student repository (notebooks + public checks, nothing private) in build/student-repo/.
publish: venv
	$(PY) -m bertcourse publish --out build/student-repo

# The main job on the offline default: fixtures, release, run every solution, grade solution and stub.
demo: fixtures release sandbox
	$(PY) -m bertcourse demo

# Grade a folder of submissions: make grade SUBMISSIONS=dir [GRADES=out] -> grades.csv + feedback/ per student.
SUBMISSIONS ?= submissions
GRADES ?= grades
grade: venv sandbox
	$(PY) -m bertcourse grade $(SUBMISSIONS) --out $(GRADES)  # also report.html, canvas_gradebook.csv, final_grades_*.csv

test: venv sandbox browser
	$(PY) -m pytest -q -n 2 tests

clean:
	rm -rf $(VENV) build
