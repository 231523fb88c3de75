# One command per job. Everything runs offline on the course's fixtures (see README).
# The course builds, tests and grades with Colab's Python, set once in pyproject.toml ([tool.bertcourse] python):
# students write their answers in that Python, and otter writes test files in the syntax of the Python that builds
# them. PYTHON is the first interpreter of that version found: on PATH, under pyenv, or the system's.
PYTHON_VERSION := $(shell sed -n 's/^python = "\([0-9.]*\)".*/\1/p' pyproject.toml)
ifndef PYTHON
PYTHON := $(shell for p in python$(PYTHON_VERSION) $$(pyenv root 2>/dev/null)/versions/$(PYTHON_VERSION)*/bin/python$(PYTHON_VERSION) \
	/usr/bin/python$(PYTHON_VERSION); do "$$p" -c 'import sys; print(sys.executable)' 2>/dev/null && break; done)
endif
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: venv sandbox browser fixtures release publish demo test clean grade

venv: $(VENV)/.installed-$(PYTHON_VERSION)

# The stamp names the Python version: after a change of pyproject's python, the venv is built again.
$(VENV)/.installed-$(PYTHON_VERSION): requirements.txt
	@[ -n "$(PYTHON)" ] && command -v $(PYTHON) >/dev/null || { echo "error: no python$(PYTHON_VERSION) found. The course" \
		"builds and grades with Colab's Python $(PYTHON_VERSION) (pyproject.toml); install it (e.g. pyenv install" \
		"$(PYTHON_VERSION)), or run make PYTHON=/path/to/python$(PYTHON_VERSION)" >&2; exit 1; }
	rm -rf $(VENV)
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
