"""``dure messages``: compile the Korean translations (no system gettext needed)."""

import argparse
from pathlib import Path

NAME = "messages"
HELP = "Compile (and with --check, verify) the translation catalogues under dure/locale."

LOCALE_DIR = Path(__file__).resolve().parents[2] / "locale"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--check", action="store_true", help="fail if any message lacks a translation")


def run(args) -> int:
    import polib

    from dure.cli import CommandError

    missing: list[str] = []
    compiled = 0
    for po_path in sorted(LOCALE_DIR.glob("*/LC_MESSAGES/*.po")):
        po = polib.pofile(str(po_path))
        untranslated = [e.msgid for e in po if not e.obsolete and (not e.translated() or "fuzzy" in e.flags)]
        missing += [f"{po_path.relative_to(LOCALE_DIR)}: {m!r}" for m in untranslated]
        po.save_as_mofile(str(po_path.with_suffix(".mo")))
        compiled += 1
    if args.check and missing:
        shown = "\n  ".join(missing[:30])
        more = f"\n  … and {len(missing) - 30} more" if len(missing) > 30 else ""
        raise CommandError(f"{len(missing)} message(s) have no translation:\n  {shown}{more}")
    print(f"compiled {compiled} catalogue(s)")
    return 0
