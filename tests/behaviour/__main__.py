"""`python -m tests.behaviour capture [stacks|policy|plans ...]`: refresh the baseline.

Run it from the repository root with the dev virtualenv (.venv/bin/python). Without parts, all
three are captured. Only after an intended behaviour change; review `git diff tests/behaviour`.
"""

from __future__ import annotations

import argparse
import sys
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _import_paths() -> None:
    """The import paths pytest gives the tests (pyproject's pythonpath: the pack and the
    service), so the capture imports what the tests import."""
    pytest_options = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["pytest"]
    for entry in reversed(pytest_options["ini_options"]["pythonpath"]):
        path = str((ROOT / entry).resolve())
        if path not in sys.path:
            sys.path.insert(0, path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.behaviour", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    capture = commands.add_parser("capture", help="write tests/behaviour/baseline/<part>.json")
    capture.add_argument("parts", nargs="*", metavar="PART", help=f"any of {', '.join(PARTS)}")
    args = parser.parse_args(argv)
    # Checked here: argparse refuses an empty list against `choices` (CPython issue 9625).
    for part in args.parts:
        if part not in PARTS:
            parser.error(f"unknown part {part!r}: choose from {', '.join(PARTS)}")
    for part in args.parts or PARTS:
        started = time.monotonic()
        path = write(part, CAPTURES[part]())
        took = time.monotonic() - started
        print(f"{part}: wrote {path} ({path.stat().st_size:,} bytes) in {took:.1f} s")
    return 0


_import_paths()
from tests.behaviour.capture import CAPTURES, PARTS, write  # noqa: E402 - needs the paths

if __name__ == "__main__":
    raise SystemExit(main())
