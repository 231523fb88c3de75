"""`python -m bertcourse.colab_env refresh [--ref REF]`: re-download Colab's package list (see __init__.py)."""

from __future__ import annotations

import argparse
import urllib.error

from . import pins, python_version, refresh, source


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bertcourse.colab_env", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    fetch = sub.add_parser("refresh", help="download both files from googlecolab/backend-info")
    fetch.add_argument("--ref", default="main", help="branch or commit of googlecolab/backend-info (default: main)")
    sub.add_parser("show", help="say which commit the committed list comes from")
    args = parser.parse_args()
    try:
        info = refresh(args.ref) if args.command == "refresh" else source()
    except urllib.error.URLError as error:
        raise SystemExit(f"Cannot reach GitHub ({error}); nothing was changed. Run this where GitHub is reachable.")
    print(f"{info['repository']} at {info['commit']} ({info['date']}, \"{info['message']}\"): "
          f"Python {python_version()}, {len(pins())} pinned packages")
    if args.command == "refresh":
        print("Now review `git diff bertcourse/colab_env`, run tests/test_colab.py, and commit.")


if __name__ == "__main__":
    main()
