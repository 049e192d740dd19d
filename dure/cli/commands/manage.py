"""``dure manage …``: Django's management commands with Dure's settings."""

import argparse

NAME = "manage"
HELP = "Run a Django management command (migrate, runserver, createsuperuser, …)."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("args", nargs=argparse.REMAINDER, help="the command and its options")


def run(args) -> int:
    import os

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dure.settings.dev")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["dure manage", *args.args])
    return 0
