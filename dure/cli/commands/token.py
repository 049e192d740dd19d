"""``dure token USERNAME``: create an API token for scripts (shown once)."""

import argparse

NAME = "token"
HELP = "Create a bearer token for the JSON API for a user (printed once, stored hashed)."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("username")
    parser.add_argument("--name", default="command line")


def run(args) -> int:
    from dure.cli import CommandError, setup_django

    setup_django()
    from dure.accounts.actions import do_create_api_token
    from dure.accounts.models import User

    user = User.objects.filter(username=args.username).first()
    if user is None:
        raise CommandError(f"no user called {args.username!r}")
    print(do_create_api_token(user, args.name))
    return 0
