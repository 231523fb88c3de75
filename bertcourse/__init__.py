"""Course tooling for the BERT fine-tuning notebooks: offline fixtures, release build, grading.

One module per job:
  paths      where things live in the repo, which notebooks exist
  fixtures   builds the offline default (tiny cased BERT + small datasets)
  release    runs otter assign on every master and makes the output reproducible
  colab      makes each student copy work in Google Colab (badge, set-up cell, submission cell)
  execute    runs a notebook top to bottom (offline by default)
  grading    grades one submission with `otter run`
  batch      grades a folder of submissions: grades.csv + feedback, timeouts, resumable
  sandbox    the isolated, fast grading child process used by batch
  tamper     detects submissions that tamper with the grading
  cli        `python -m bertcourse ...` entry points used by the Makefile
"""

OFFLINE_ENV = "BERT_COURSE_OFFLINE"
