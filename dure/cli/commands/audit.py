"""``dure audit verify``: check the hash chain of the audit log."""

from __future__ import annotations

import sys

NAME = "audit"
HELP = "Check the audit log (verify: recompute the hash chain; exit 1 if it is broken)."


def add_arguments(parser) -> None:
    sub = parser.add_subparsers(dest="audit_command", metavar="ACTION", required=True)
    sub.add_parser("verify", help="Recompute every event's hash and check the links between events.")


def run(args) -> int:
    from dure.cli import setup_django

    setup_django()
    from dure.audit.actions import verify_audit_chain

    check = verify_audit_chain()
    if check.ok:
        print(f"audit chain ok: {check.events} events verified")
        return 0
    print(f"audit chain BROKEN after {check.events} events: {check.message}", file=sys.stderr)
    return 1
