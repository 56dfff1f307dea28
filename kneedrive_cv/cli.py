"""``kneedrive``: the command line. Parses arguments, calls the library, prints; sets up logging.

A user's mistake (bad file, unknown drill, unwritable folder...) ends in one clear line and exit code 2;
anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
from collections.abc import Sequence

from kneedrive_cv import __version__
from kneedrive_cv.commands import command_modules
from kneedrive_cv.errors import KneedriveError

EXIT_USER_ERROR = 2


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every sub-command."""
    parser = argparse.ArgumentParser(
        prog="kneedrive", description="Score sprint knee-drive drills rep by rep from phone video.",
        epilog="Example: kneedrive analyse clip.mp4 --out results/ --overlay")
    parser.add_argument("--version", action="version", version=f"kneedrive {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="show progress details")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in command_modules():
        module = importlib.import_module(f"kneedrive_cv.commands.{name}")
        p = sub.add_parser(module.NAME, help=module.HELP, description=module.HELP)
        module.add_arguments(p)
        p.set_defaults(run=module.run)
    return parser


def _quiet_native_logs() -> None:
    # MediaPipe's C++ (glog/absl) and TFLite write info lines to stderr; a coach needs none of them.
    os.environ.setdefault("GLOG_minloglevel", "2")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``kneedrive`` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return EXIT_USER_ERROR
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="kneedrive: %(levelname)s: %(message)s")
    _quiet_native_logs()
    try:
        return int(args.run(args))
    except KneedriveError as exc:
        print(f"kneedrive: error: {exc}", file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        print("kneedrive: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # output piped into `head` and the like
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
