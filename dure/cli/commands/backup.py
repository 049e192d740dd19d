"""``dure backup`` and ``dure backup --restore``: database and files, verified."""

import argparse
from pathlib import Path

NAME = "backup"
HELP = "Back up the database and uploaded files to a folder (and a mirror), or restore and verify one."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--to", type=Path, help="folder to write the backup into")
    parser.add_argument("--mirror", type=Path, help="second, off-site folder to copy and verify the backup in")
    parser.add_argument("--restore", type=Path, metavar="BACKUP", help="restore this backup folder into an empty database")
    parser.add_argument("--verify", type=Path, metavar="BACKUP", help="check a backup folder's checksums only")


def run(args) -> int:
    from dure.cli import CommandError, setup_django

    setup_django()
    from dure.ops.backup import BackupError, make_backup, restore_backup, verify_backup_files

    try:
        if args.restore:
            from django.core.management import call_command

            call_command("migrate", interactive=False, verbosity=0)
            manifest = restore_backup(args.restore)
            rows = sum(m["count"] for m in manifest["models"].values())
            print(f"restored {rows} rows and {manifest['files']} files; audit chain verified ({manifest['audit_events']} events)")
        elif args.verify:
            verify_backup_files(args.verify)
            print(f"{args.verify}: checksums match")
        elif args.to:
            result = make_backup(args.to, mirror=args.mirror)
            print(f"backup written to {result.path} ({result.rows} rows, {result.files} files)")
        else:
            raise CommandError("say --to FOLDER to back up, --restore BACKUP to restore, or --verify BACKUP")
    except BackupError as exc:
        raise CommandError(str(exc)) from None
    return 0
