"""``dure import``: stream OpenAlex works, PatentsView patents or ROR organisations into Dure."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from dure.cli import CommandError

NAME = "import"
HELP = "Import evidence (openalex works, patents) or organisations (ror) from a file, streaming with a progress bar."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("source", choices=["openalex", "patents", "ror"], help="what the file holds")
    parser.add_argument("path", type=Path,
                        help="openalex: a works part (.gz or .jsonl); patents: a folder of PatentsView tables; "
                             "ror: a ROR dump as JSON lines (.jsonl or .jsonl.gz)")
    parser.add_argument("--no-affiliation-matching", action="store_true",
                        help="do not match free-text affiliations and patent assignees to ROR organisations")
    parser.add_argument("--assignee", default=None, help="patents: only patents whose assignee name contains this")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    parser.add_argument("--create-organisations", action="store_true",
                        help="also create organisations named by ROR id on any evidence (default: only on "
                             "evidence that belongs to a programme technology)")


def run(args: argparse.Namespace) -> int:
    import os

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dure.settings.dev")
    import django

    django.setup()
    from dure.core.affiliation import AffiliationMatcher
    from dure.core.importers.report import ImportReport, ImportSourceError
    from dure.core.importers.ror import iter_ror_records
    from dure.organisations.actions import do_import_ror
    from dure.techmap import actions

    if args.source == "patents" and not args.path.is_dir():
        raise CommandError(f"{args.path}: give the folder that holds the PatentsView tables (g_patent.tsv, ...)")
    if args.source != "patents" and not args.path.is_file():
        raise CommandError(f"{args.path}: no such file")
    progress = not args.no_progress
    report = ImportReport()
    try:
        if args.source == "ror":
            result = do_import_ror(None, iter_ror_records(args.path, report=report, progress=progress))
            print(f"organisations created={result.created} updated={result.updated} parents_linked={result.linked_parents}")
        else:
            records = actions.ror_records()
            matcher = None if args.no_affiliation_matching or not records else AffiliationMatcher().fit(records)
            if args.source == "openalex":
                res = actions.import_openalex_works(None, args.path, matcher=matcher, progress=progress, report=report)
            else:
                res = actions.import_patents(None, args.path, matcher=matcher, progress=progress, report=report,
                                             assignee_contains=args.assignee)
            actions.sync_project_evidence()
            counts = actions.link_technologies()
            created = actions.create_missing_organisations(None, records, only_linked=not args.create_organisations)
            print(f"evidence created={res.created} updated={res.updated} organisations_linked={res.organisations_linked} "
                  f"affiliations_matched={res.affiliations_matched} organisations_created={created}")
            print("technology " + " ".join(f"{k}={v}" for k, v in counts.items()))
    except ImportSourceError as exc:
        raise CommandError(str(exc)) from None
    print(report.summary())
    for issue in report.issues:
        print(f"  line {issue.line}: {issue.message}", file=sys.stderr)
    return 0
