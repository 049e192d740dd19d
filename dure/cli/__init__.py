"""The ``dure`` command line.

Each module in :mod:`dure.cli.commands` is one sub-command. A module defines
``NAME`` (the sub-command), ``HELP`` (one line), ``add_arguments(parser)`` and
``run(args) -> int``. Commands that need the database call :func:`setup_django` first;
the batch commands (affinity, assign, rank, select) work on files alone.
"""

from __future__ import annotations

import argparse
import importlib
import os
import pkgutil
import sys

from dure.cli import commands as _commands_pkg


class CommandError(Exception):
    """A problem with the user's input: printed without a traceback, exit status 2."""


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dure.settings.dev")
    import django

    django.setup()


def _load_commands() -> list:
    modules = []
    for info in sorted(pkgutil.iter_modules(_commands_pkg.__path__), key=lambda i: i.name):
        if info.name.startswith("_"):
            continue
        modules.append(importlib.import_module(f"{_commands_pkg.__name__}.{info.name}"))
    return modules


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dure",
        description="Dure: collaborative R&D programmes, from technology map to outcomes.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in _load_commands():
        p = sub.add_parser(module.NAME, help=module.HELP, description=module.HELP)
        module.add_arguments(p)
        p.set_defaults(_run=module.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "_run", None):
        parser.print_help()
        return 1
    try:
        return int(args._run(args) or 0)
    except CommandError as exc:
        print(f"dure {args.command}: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
