"""Course tooling for the BERT fine-tuning notebooks: offline fixtures, release build, grading.

One module per job:
  paths         where things live in the repo, which notebooks exist
  fixtures      builds the offline default (tiny cased BERT + small datasets)
  release       runs otter assign on every master and makes the output reproducible
  colab         makes each student copy work in Google Colab (badge, set-up cell, submission cell)
  colab_env     Colab's own package list (committed copy) and `python -m bertcourse.colab_env refresh`
  execute       runs a notebook top to bottom (offline by default)
  grading       grades one submission with plain `otter run`
Batch grading (`python -m bertcourse grade`), from the outside in:
  batch         grades a folder: one row per file, workers, time limits, grades.csv + feedback
  submission    reads a submission file (ipynb, otter zip, nbformat 3) without running it
  assignment    one notebook's tests, fixtures and set-up, from its autograder zip
  sandbox       where student code runs (bubblewrap, or a per-submission uid), started once per batch
  staging       neutral sources for the sandbox's mounts (no host path visible inside)
  verdict       the tests, run in the grader: student functions reached only through plain data
  mistakes/     likely-mistake feedback: the wrong answers the course keeps, one folder per function
    probes        the course's own probe inputs, and how outputs compare
  versions      the versions a notebook's set-up cell recorded, against the grader's
  boundary/     what crosses the sandbox's boundary, shared by both sides
    plain         the plain-data format
    channel       framed messages over a Unix socket, with deadlines and size limits
  sandboxed/    everything that runs inside the sandbox (trusts only the grader's requests and the kernel)
    zygote        the template process: libraries imported once, one fork per submission
    job_isolation a job's own namespaces, tmpfs and cgroup
    case_isolation each test case's own view of the finished notebook (files, IPC, memory, processes)
    processes     finding and ending a job's processes
    student_side  the job: runs the student's cells, answers the grader's calls
  cache         signed results per submission content (re-runs regrade nothing)
  outputs       grades.csv and feedback files, made safe to open
  cli           `python -m bertcourse ...` entry points used by the Makefile
"""

OFFLINE_ENV = "BERT_COURSE_OFFLINE"
