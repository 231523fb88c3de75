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


def cmd_execute(args) -> int:
    from .execute import execute_notebook

    for nb in args.notebooks:
        _, seconds, _ = execute_notebook(Path(nb).resolve())
        print(f"executed {nb} offline in {seconds:.1f} s")
    return 0


def cmd_demo(args) -> int:
    """The main job on the offline default: run each solution, grade the solution and the stub."""
    from . import release
    from .execute import execute_notebook
    from .grading import otter_run

    failures = 0
    for master in paths.masters():
        name = paths.release_name(master)
        _, seconds, _ = execute_notebook(master)
        print(f"\n== {name}: solution notebook ran offline top to bottom in {seconds:.0f} s")
        for label, submission in [("solution", paths.AUTOGRADER / name / f"{name}.ipynb"),
                                  ("untouched student notebook", paths.NOTEBOOKS / name / f"{name}.ipynb")]:
            grade = otter_run(submission, release.zip_path(name))
            pct = 100 * grade.total / grade.max_total
            print(f"   {label:<28} {grade.total:g} / {grade.max_total:g} points ({pct:.0f} %)")
            for question, score in grade.questions.items():
                print(f"      {question:<34} {score:g} / {grade.possible[question]:g}")
            expected = grade.max_total if label == "solution" else 0
            failures += grade.total != expected
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
    p = sub.add_parser("execute", help="run notebooks top to bottom on the offline fixtures")
    p.add_argument("notebooks", nargs="+")
    p.set_defaults(func=cmd_execute)
    sub.add_parser("demo", help="run and grade every notebook offline").set_defaults(func=cmd_demo)
    p = sub.add_parser("grade", help="grade a folder of submissions: grades.csv + feedback per student")
    from .batch import add_arguments

    add_arguments(p)
    p.set_defaults(func=cmd_grade)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
