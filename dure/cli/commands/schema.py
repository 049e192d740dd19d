"""``dure schema``: write or check the committed OpenAPI schema of the JSON API."""

import argparse
import json
from pathlib import Path

NAME = "schema"
HELP = "Write (--write) or check (--check) the committed OpenAPI schema dure/api/openapi.json."

SCHEMA_PATH = Path(__file__).resolve().parents[2] / "api" / "openapi.json"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--write", action="store_true")
    group.add_argument("--check", action="store_true")


def generated() -> str:
    from dure.api.api import api

    return json.dumps(api.get_openapi_schema(), indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def run(args) -> int:
    from dure.cli import CommandError, setup_django

    setup_django()
    text = generated()
    if args.write:
        SCHEMA_PATH.write_text(text, encoding="utf-8")
        print(f"wrote {SCHEMA_PATH}")
        return 0
    if not SCHEMA_PATH.exists() or SCHEMA_PATH.read_text(encoding="utf-8") != text:
        raise CommandError(
            f"{SCHEMA_PATH} differs from the API's generated schema. Run `make schema` and commit the result."
        )
    print("OpenAPI schema is up to date.")
    return 0
