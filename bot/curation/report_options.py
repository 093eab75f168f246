"""The `report` command's options, apart from the report itself: the command line builds
every command's options at start, and `csm-vs-pm ask` should not pay for importing the report.
"""

from __future__ import annotations

import argparse
import re
from datetime import timedelta

DEFAULT_SINCE = "7d"
DEFAULT_LIMIT = 10
FORMATS = ("text", "json", "csv")
_SINCE_PATTERN = re.compile(r"^\s*(\d+)\s*([mhdw])\s*$")
_SINCE_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive whole number")
    return int(text)


def parse_since(text: str) -> timedelta:
    """`30m`, `24h`, `7d`, `2w` -> a period; raises argparse.ArgumentTypeError otherwise."""
    found = _SINCE_PATTERN.match(text)
    if not found or int(found.group(1)) == 0:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a period; use a number and m, h, d or w, e.g. 30m, 24h, 7d, 2w"
        )
    return timedelta(**{_SINCE_UNITS[found.group(2)]: int(found.group(1))})


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The `report` command's options."""
    parser.add_argument(
        "--since",
        type=parse_since,
        default=parse_since(DEFAULT_SINCE),
        metavar="PERIOD",
        help=f"how far back to look: 30m, 24h, 7d, 2w (default {DEFAULT_SINCE})",
    )
    parser.add_argument(
        "--format", choices=FORMATS, default="text", help="text (default), json or csv"
    )
    parser.add_argument(
        "--suggest",
        action="store_true",
        help="for each unanswered question, the entry it came closest to and the YAML line to add",
    )
    parser.add_argument(
        "--limit",
        type=_positive,
        default=DEFAULT_LIMIT,
        metavar="N",
        help=f"at most N rows per section (default {DEFAULT_LIMIT})",
    )
