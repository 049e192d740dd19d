"""Deadline surge: many clients submit and re-submit proposals in the last minutes.

Serves the app with gunicorn (production settings) on PostgreSQL, then 200 concurrent
clients each submit their proposals twice, each time with new text, with short timeouts and retries that
reuse the Idempotency-Key. Afterwards it compares what the server acknowledged with what
the database holds:

  lost        acknowledged receipts that are not stored
  duplicated  stored submissions beyond one per intended submission
  mixed       stored versions whose text is not the text the client sent for that version

and checks every receipt's signature, and that the deadline is enforced once passed.
Optional faults: --fault kill-worker (SIGKILL a gunicorn worker mid-surge),
--fault db-restart (restart PostgreSQL mid-surge; needs pg_ctlcluster).

  .venv/bin/python -m bench.surge [--clients 200] [--proposals 2000] [--fault …]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def bench_env(db_url: str) -> dict:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="dure.settings.production",
        DATABASE_URL=db_url,
        DURE_SECRET_KEY="surge-bench-" + "x" * 60,
        DURE_ALLOWED_HOSTS="127.0.0.1,localhost",
        DURE_SSL_REDIRECT="0",
        DURE_EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend",
        DURE_LOG_LEVEL="WARNING",
        DURE_DB_CONN_MAX_AGE="60",
    )
    return env


def create_database(name: str) -> str:
    import psycopg

    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"postgres://postgres@127.0.0.1:5432/{name}"


def seed(n_clients: int, n_proposals: int, deadline_minutes: float) -> list[dict]:
    """Create the call, consortia, draft proposals and one API token per client."""
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    from datetime import timedelta

    from django.utils import timezone

    from dure.accounts.actions import do_create_api_token
    from dure.organisations.models import OrgKind
    from dure.partners.models import Consortium, ConsortiumMember
    from dure.programmes.models import Call
    from dure.proposals.models import Proposal, ProposalBudgetYear, ProposalMember
    from dure.testing import factories as f

    track = f.make_track()
    call = f.make_call(track, deadline_in=timedelta(minutes=deadline_minutes), requires_foreign_partner=False,
                       grace_seconds=0)
    Call.objects.filter(pk=call.pk).update(requires_sme=False, requires_ip_plan=True)
    tech = f.make_technology(track)
    clients = []
    per_client = n_proposals // n_clients
    for c in range(n_clients):
        lead = f.make_research_user()
        company = f.make_org(OrgKind.SME)
        token = do_create_api_token(lead, "surge")
        ids = []
        for k in range(per_client):
            cons = Consortium.objects.create(name=f"Surge consortium {c}-{k}", lead=lead.organisation, created_by=lead)
            ConsortiumMember.objects.bulk_create([
                ConsortiumMember(consortium=cons, organisation=lead.organisation, role="lead"),
                ConsortiumMember(consortium=cons, organisation=company, role="sme"),
            ])
            p = Proposal.objects.create(call=call, consortium=cons, lead_user=lead, technology=tech,
                                        title=f"Surge proposal {c}-{k}", abstract="draft",
                                        ip_licence_plan="Licence for the SME in Korea.", is_sample=True)
            ProposalMember.objects.bulk_create([
                ProposalMember(proposal=p, organisation=lead.organisation, role="lead", budget_share_pct=60),
                ProposalMember(proposal=p, organisation=company, role="sme", budget_share_pct=40),
            ])
            ProposalBudgetYear.objects.bulk_create([
                ProposalBudgetYear(proposal=p, year=year, amount_krw=call.max_budget_per_year_krw // 2)
                for year in call.years
            ])
            ids.append(p.pk)
        clients.append({"token": token, "proposals": ids})
    return clients, call.pk, timezone.now()


class Client:
    def __init__(self, port: int, token: str, timeout: float):
        self.port, self.token, self.timeout = port, token, timeout
        self.latencies: list[float] = []
        self.retries = 0
        self.timeouts = 0
        self.errors: list[str] = []
        self.rng = random.Random(token)

    def request(self, method: str, path: str, body: dict | None = None, headers: dict | None = None,
                max_attempts: int = 30) -> tuple[int, dict]:
        hdrs = {"Authorization": f"Bearer {self.token}", "Content-Type": "application/json", **(headers or {})}
        data = json.dumps(body).encode() if body is not None else None
        for attempt in range(max_attempts):
            start = time.perf_counter()
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
                conn.request(method, path, body=data, headers=hdrs)
                resp = conn.getresponse()
                payload = resp.read()
                conn.close()
                self.latencies.append(time.perf_counter() - start)
                if resp.status >= 500 or resp.status == 429:
                    raise ConnectionError(f"{resp.status}")
                return resp.status, json.loads(payload or b"{}")
            except (OSError, ConnectionError, http.client.HTTPException) as exc:
                self.retries += 1
                self.timeouts += isinstance(exc, TimeoutError | socket.timeout)
                # Exponential backoff with full jitter, so retries do not arrive in waves.
                time.sleep(self.rng.uniform(0, min(5.0, 0.1 * 2 ** attempt)))
        self.errors.append(f"{method} {path}: gave up after {max_attempts} attempts")
        return 0, {}


def run_client(port: int, spec: dict, timeout: float, rounds: int) -> dict:
    client = Client(port, spec["token"], timeout)
    acks = []
    for pid in spec["proposals"]:
        for r in range(1, rounds + 1):
            text = f"round {r} of proposal {pid}: {uuid.uuid4()}"
            key = f"surge-{pid}-{r}-{uuid.uuid4().hex[:8]}"
            status, receipt = client.request("POST", f"/api/proposals/{pid}/submit", {"abstract": text},
                                             headers={"Idempotency-Key": key})
            if status == 200:
                acks.append({"proposal": pid, "round": r, "text": text, "receipt": receipt})
            else:
                client.errors.append(f"submit {pid} round {r}: HTTP {status} {receipt}")
    return {"acks": acks, "latencies": client.latencies, "retries": client.retries, "timeouts": client.timeouts,
            "errors": client.errors}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--clients", type=int, default=200)
    ap.add_argument("--proposals", type=int, default=2000)
    ap.add_argument("--rounds", type=int, default=2, help="submissions per proposal (1 + re-submissions)")
    ap.add_argument("--workers", type=int, default=4)
    ap.add_argument("--threads", type=int, default=4)
    ap.add_argument("--timeout", type=float, default=30.0,
                    help="client timeout (s); retries reuse the key. Below the queueing delay "
                         "(clients / throughput) every request times out and the retries swamp the server")
    ap.add_argument("--fault", choices=["none", "kill-worker", "db-restart"], default="none")
    ap.add_argument("--quick", action="store_true", help="20 clients, 100 proposals")
    ap.add_argument("--database", default="dure_surge_bench",
                    help="PostgreSQL database to (re)create for the run; it is dropped first")
    args = ap.parse_args(argv)
    if args.quick:
        args.clients, args.proposals = 20, 100

    db_url = create_database(args.database)
    env = bench_env(db_url)
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    print(f"seeding {args.proposals} proposals for {args.clients} clients on PostgreSQL …", flush=True)
    specs, call_id, _ = seed(args.clients, args.proposals, deadline_minutes=30)

    port = free_port()
    server = subprocess.Popen(
        [str(VENV_BIN / "gunicorn"), "dure.wsgi", "-b", f"127.0.0.1:{port}", "-w", str(args.workers),
         "--threads", str(args.threads), "--timeout", "60", "--graceful-timeout", "5", "--log-level", "warning"],
        cwd=ROOT, env=env,
    )
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        fault_done = threading.Event()

        def inject_fault():
            time.sleep(3.0)
            if args.fault == "kill-worker":
                children = subprocess.run(["pgrep", "-P", str(server.pid)], capture_output=True, text=True).stdout.split()
                if children:
                    os.kill(int(children[0]), signal.SIGKILL)
                    print(f"fault: killed gunicorn worker {children[0]}", flush=True)
            elif args.fault == "db-restart":
                version = sorted(os.listdir("/etc/postgresql"))[-1]
                subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "restart"], check=True)
                print("fault: PostgreSQL restarted", flush=True)
            fault_done.set()

        if args.fault != "none":
            threading.Thread(target=inject_fault, daemon=True).start()
        load_before = os.getloadavg()
        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=args.clients) as pool:
            results = list(pool.map(lambda s: run_client(port, s, args.timeout, args.rounds), specs))
        elapsed = time.perf_counter() - started
        load_after = os.getloadavg()

        # The deadline, once passed, is enforced by the server.
        from django.utils import timezone

        from dure.programmes.models import Call

        Call.objects.filter(pk=call_id).update(deadline=timezone.now() - timezone.timedelta(seconds=1))
        late_client = Client(port, specs[0]["token"], args.timeout)
        late_status, late_body = late_client.request(
            "POST", f"/api/proposals/{specs[0]['proposals'][0]}/submit", headers={"Idempotency-Key": "late-" + uuid.uuid4().hex}
        )
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)

    from dure.proposals.models import Submission
    from dure.proposals.receipts import verify_submission

    acks = [a for r in results for a in r["acks"]]
    latencies = sorted(x for r in results for x in r["latencies"])
    retries = sum(r["retries"] for r in results)
    timeouts = sum(r["timeouts"] for r in results)
    errors = [e for r in results for e in r["errors"]]
    stored = {(s.proposal_id, s.version): s for s in Submission.objects.all()}
    lost = sum(1 for a in acks if (a["proposal"], a["receipt"]["version"]) not in stored)
    intended = args.proposals // args.clients * args.clients * args.rounds
    duplicated = max(0, len(stored) - intended)
    mixed = sum(1 for a in acks if (a["proposal"], a["receipt"]["version"]) in stored
                and stored[(a["proposal"], a["receipt"]["version"])].snapshot.get("abstract") != a["text"])
    bad_signatures = sum(1 for s in stored.values() if not verify_submission(s))
    requests = len(latencies)

    def pct(p):
        return latencies[min(len(latencies) - 1, int(p / 100 * len(latencies)))] * 1000 if latencies else float("nan")

    print(f"clients={args.clients} proposals={args.proposals} rounds={args.rounds} fault={args.fault}")
    print(f"requests={requests} elapsed_s={elapsed:.1f} throughput_rps={requests / elapsed:.1f} retries={retries} timeouts={timeouts}")
    print(f"p50_ms={pct(50):.0f} p95_ms={pct(95):.0f} p99_ms={pct(99):.0f} mean_ms={statistics.fmean(latencies) * 1000:.0f}")
    print(f"cpus={os.cpu_count()} loadavg_1m_before={load_before[0]:.1f} loadavg_1m_after={load_after[0]:.1f} "
          f"(the machine is shared: other processes' load slows the server)")
    print(f"acknowledged={len(acks)} stored={len(stored)} intended={intended}")
    print(f"lost={lost} duplicated={duplicated} mixed={mixed} bad_signatures={bad_signatures} client_errors={len(errors)}")
    print(f"late_submission_status={late_status} ({'refused' if late_status == 422 else 'NOT refused'})")
    for e in errors[:5]:
        print("  error:", e)
    ok = lost == 0 and duplicated == 0 and mixed == 0 and bad_signatures == 0 and late_status == 422
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
