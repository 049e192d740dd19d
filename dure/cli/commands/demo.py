"""``dure demo``: migrate and load the demo programme, then print a login for each role."""

import argparse
import sys

NAME = "demo"
HELP = "Migrate the database and load the demo programme from the real data in ../shared/data."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--no-migrate", action="store_true", help="do not run migrations first")


def run(args) -> int:
    from dure.cli import CommandError, setup_django

    setup_django()
    from django.core.management import call_command

    if not args.no_migrate:
        call_command("migrate", interactive=False, verbosity=0)
    from django.core import mail
    from django.test.utils import override_settings

    from dure.demo.runner import load_demo, logins_text

    # The demo's own notifications are counted, not printed; the running app prints its e-mails.
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
        mail.outbox = []
        try:
            load_demo(stdout=sys.stdout)
        except FileNotFoundError as exc:
            raise CommandError(str(exc)) from None
        sent = len(mail.outbox)
    print(f"The demo sent {sent} notification e-mails while loading; the running app prints its e-mails here.")
    print(logins_text())
    return 0
