"""Command line entry points: python -m bertcourse <command>. The Makefile calls these."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import paths


def cmd_fixtures(args) -> int:
    from . import fixtures

    out = fixtures.build()
    print(f"offline fixtures written to {out.relative_to(paths.REPO)}")
    return 0


def cmd_release(args) -> int:
    from . import release

    masters = [paths.SOLUTIONS / f"{n}.ipynb" for n in args.only] if args.only else paths.masters()
    for master in masters:
        print(f"otter assign {master.name} ...", flush=True)
        release.build_one(master, run_tests=not args.no_run_tests)
    return 0


def cmd_publish(args) -> int:
    """Build the student repository folder and refuse it if anything private got in."""
    from . import publish

    out = publish.build(Path(args.out))
    leaks = publish.find_leaks(out)
    if leaks:
        print("refusing to publish, private material found:\n  " + "\n  ".join(leaks[:20]), file=sys.stderr)
        return 1
    files = sum(1 for p in out.rglob("*") if p.is_file())
    print(f"student repository written to {out} ({files} files, leak check passed); push it to "
          f"github.com/{publish.colab.config()['student_repo']}")
    return 0


def cmd_execute(args) -> int:
    from .execute import execute_notebook

    for nb in args.notebooks:
        _, seconds, _ = execute_notebook(Path(nb).resolve())
        print(f"executed {nb} offline in {seconds:.1f} s")
    return 0


def cmd_demo(args) -> int:
    """The main job on the offline default: run each solution, then grade every solution and untouched student
    copy with the course's grader (sandboxed, trusted verdicts)."""
    import csv
    import shutil
    import subprocess
    import tempfile

    from .execute import execute_notebook
    from .release import offline_env

    for master in paths.masters():
        _, seconds, _ = execute_notebook(master)
        print(f"{paths.release_name(master)}: the solution ran offline top to bottom in {seconds:.0f} s", flush=True)
    with tempfile.TemporaryDirectory(prefix="demo-") as tmp:
        folder, out = Path(tmp) / "submissions", Path(tmp) / "grades"
        folder.mkdir()
        for master in paths.masters():
            name = paths.release_name(master)
            shutil.copy(paths.AUTOGRADER / name / f"{name}.ipynb", folder / f"{name} solution.ipynb")
            shutil.copy(paths.NOTEBOOKS / name / f"{name}.ipynb", folder / f"{name} untouched student copy.ipynb")
        print("\ngrading the solutions and the untouched student copies (python -m bertcourse grade) ...", flush=True)
        done = subprocess.run([sys.executable, "-m", "bertcourse", "grade", str(folder), "--out", str(out)],
                              env=offline_env(out), stdout=subprocess.DEVNULL)
        if done.returncode != 0:
            return done.returncode
        failures = 0
        for row in csv.DictReader((out / "grades.csv").open(encoding="utf-8")):
            expected = row["max"] if "solution" in row["file"] else "0"
            failures += row["total"] != expected or row["status"] != "ok"
            print(f"   {row['file']:<50} {row['status']:<4} {row['total']:>3} / {row['max']} points")
    return 1 if failures else 0


def cmd_grade(args) -> int:
    """Grade a folder of submissions in parallel, sandboxed; writes grades.csv and per-student feedback."""
    from . import batch

    return batch.run(args)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bertcourse", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("fixtures", help="build the offline tiny BERT and datasets").set_defaults(func=cmd_fixtures)
    p = sub.add_parser("release", help="otter assign every master into notebooks/ and autograder/")
    p.add_argument("--only", nargs="*", help="master names (without .ipynb) to build; default: all")
    p.add_argument("--no-run-tests", action="store_true", help="skip otter's check that solutions score 100 %%")
    p.set_defaults(func=cmd_release)
    p = sub.add_parser("publish", help="build the student repository (notebooks + public checks only)")
    p.add_argument("--out", default="build/student-repo", help="folder to write (default build/student-repo)")
    p.set_defaults(func=cmd_publish)
    p = sub.add_parser("execute", help="run notebooks top to bottom on the offline fixtures")
    p.add_argument("notebooks", nargs="+")
    p.set_defaults(func=cmd_execute)
    sub.add_parser("demo", help="run and grade every notebook offline").set_defaults(func=cmd_demo)
    p = sub.add_parser("grade", help="grade a folder of submissions: grades.csv + feedback per student")
    from .batch import add_arguments

    add_arguments(p)
    p.set_defaults(func=cmd_grade)
    p = sub.add_parser("gradescope", help="grade one Gradescope submission (the autograder zip's run_autograder)")
    from .gradescope import add_arguments as gradescope_arguments, run as gradescope_run

    gradescope_arguments(p)
    p.set_defaults(func=gradescope_run)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
