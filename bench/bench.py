#!/usr/bin/env python3
"""Zhiben benchmark: main pages and list API calls on 20,000 demo enterprises and 200,000 hazards.

Builds nothing: pass the zhiben binary (ideally `swift build -c release`). Seeds a fresh SQLite file
with `seed-demo --enterprises N`, serves it on a free loopback port, signs in, and sends each request
N times in turn. Prints p50/p95 of the server's own time (Server-Timing header) and of the client's
round trip, the server's peak memory, and two baselines measured in the same run on the same file:
GET /healthz (the HTTP floor) and the page's main query run directly through Python's sqlite3.

With --database-url postgres://… the same runs against a PostgreSQL database (it must be empty: the
script seeds it); the raw-SQL baseline is then PostgreSQL's own execution time from EXPLAIN ANALYZE,
read through psql.

Usage: bench/bench.py [--binary .build/release/zhiben] [--enterprises 20000] [--hazards 200000] [--requests 200] [--database-url URL]
"""
import argparse
import http.cookiejar
import json
import os
import re
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def pct(values, p):
    values = sorted(values)
    k = max(0, min(len(values) - 1, int(round(p / 100 * (len(values) - 1)))))
    return values[k]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", default=".build/release/zhiben")
    ap.add_argument("--enterprises", type=int, default=20000)
    ap.add_argument("--hazards", type=int, default=200000)
    ap.add_argument("--requests", type=int, default=200)
    ap.add_argument("--database-url", help="an empty PostgreSQL database instead of a new SQLite file")
    ap.add_argument("--reuse", help="measure an already seeded SQLite file instead of seeding a new one")
    ap.add_argument("--only", help="measure only the requests whose path contains this text")
    ap.add_argument("--runs", type=int, default=3, help="runs over every request; the table shows the medians over the runs")
    args = ap.parse_args()
    binary = os.path.abspath(args.binary)
    work = tempfile.mkdtemp(prefix="zhiben-bench-")
    db = os.path.abspath(args.reuse) if args.reuse else os.path.join(work, "bench.sqlite")
    url = args.database_url or "sqlite://" + db
    # The demo's simulated gateways stay off unless asked for: they write readings every 10 s, which
    # makes the figures depend on where the pages fall between their batches.
    env = dict(os.environ, DATABASE_URL=url, ZHIBEN_DEMO_PASSWORD="bench-password-1", ZHIBEN_SEED_DEMO="false",
               LOG_LEVEL="warning")
    env.setdefault("ZHIBEN_SIMULATE", "false")

    t0 = time.time()
    if not args.reuse:
        subprocess.run([binary, "seed-demo", "--enterprises", str(args.enterprises), "--hazards", str(args.hazards)], env=env, check=True, cwd=work,
                       stdout=subprocess.DEVNULL)
    seed_s = time.time() - t0

    port = free_port()
    server = subprocess.Popen([binary, "serve", "--hostname", "127.0.0.1", "--port", str(port)], env=env, cwd=work,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        # A first start on a large seeded file announces its overdue hazards and refreshes grades first.
        for _ in range(600):
            try:
                urllib.request.urlopen(base + "/readyz", timeout=1)
                break
            except Exception:
                time.sleep(0.2)

        jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))

        def sign_in(username):
            jar.clear()
            html = opener.open(base + "/login").read().decode()
            csrf = re.search(r'name="_csrf" value="([^"]+)"', html).group(1)
            body = urllib.parse.urlencode({"_csrf": csrf, "username": username, "password": "bench-password-1", "next": "/"}).encode()
            opener.open(base + "/login", data=body)

        token = json.loads(urllib.request.urlopen(urllib.request.Request(
            base + "/api/v1/session", data=json.dumps({"username": "city", "password": "bench-password-1"}).encode(),
            headers={"Content-Type": "application/json"})).read())["token"]
        postgres = url.startswith("postgres")
        con = None if postgres else sqlite3.connect(db)

        def psql(sql):
            return subprocess.run(["psql", "-At", url, "-c", sql], check=True, capture_output=True, text=True).stdout.strip()

        id_sql = "SELECT id FROM enterprises WHERE county_code='141181' ORDER BY name LIMIT 1"
        some_id = psql(id_sql) if postgres else con.execute(id_sql).fetchone()[0]
        hazard_sql = "SELECT id FROM hazards WHERE county_code='141181' AND level='major' ORDER BY found_at LIMIT 1"
        hazard_id = psql(hazard_sql) if postgres else con.execute(hazard_sql).fetchone()[0]
        if not postgres:
            # SQLite stores UUIDs as 16 bytes; the pages take their text form.
            import uuid
            some_id = str(uuid.UUID(bytes=some_id)) if isinstance(some_id, bytes) else some_id
            hazard_id = str(uuid.UUID(bytes=hazard_id)) if isinstance(hazard_id, bytes) else hazard_id

        def measure(path, use_token=False):
            server_ms, client_ms = [], []
            for _ in range(args.requests):
                req = urllib.request.Request(base + path)
                if use_token:
                    req.add_header("Authorization", "Bearer " + token)
                start = time.perf_counter()
                res = (urllib.request.urlopen(req) if use_token else opener.open(req))
                res.read()
                client_ms.append((time.perf_counter() - start) * 1000)
                m = re.search(r"dur=([0-9.]+)", res.headers.get("Server-Timing", ""))
                server_ms.append(float(m.group(1)) if m else float("nan"))
            return server_ms, client_ms

        def raw(sql, params=()):
            times = []
            if postgres:
                literal = sql.replace("?", "'%s'") % params if params else sql
                for _ in range(min(args.requests, 30)):
                    plan = json.loads(psql("EXPLAIN (ANALYZE, FORMAT JSON) " + literal.replace("active = 1", "active = true")))
                    times.append(plan[0]["Planning Time"] + plan[0]["Execution Time"])
                return statistics.median(times)
            for _ in range(args.requests):
                start = time.perf_counter()
                con.execute(sql, params).fetchall()
                times.append((time.perf_counter() - start) * 1000)
            return statistics.median(times)

        list_sql = ("SELECT * FROM enterprises WHERE active = 1 ORDER BY name, id LIMIT 20", ())
        count_sql = ("SELECT COUNT(*) FROM enterprises WHERE active = 1", ())
        raw_list = raw(*list_sql) + raw(*count_sql)
        raw_county = raw("SELECT * FROM enterprises WHERE county_code = ? AND active = 1 ORDER BY name, id LIMIT 20", ("141181",)) \
            + raw("SELECT COUNT(*) FROM enterprises WHERE county_code = ? AND active = 1", ("141181",))

        raw_hazards = raw("SELECT * FROM hazards ORDER BY found_at DESC, id LIMIT 20", ()) + raw("SELECT COUNT(*) FROM hazards", ())
        raw_hazards_county = raw("SELECT * FROM hazards WHERE county_code = ? ORDER BY found_at DESC, id LIMIT 20", ("141181",)) \
            + raw("SELECT COUNT(*) FROM hazards WHERE county_code = ?", ("141181",))

        # Enforcement: a city-wide draw over every enterprise (the pool of 20,000), its inspections, the plan.
        def api(method, path, body=None, as_token=token):
            req = urllib.request.Request(base + "/api/v1" + path, method=method, data=json.dumps(body).encode() if body is not None else None,
                                         headers={"Content-Type": "application/json", "Authorization": "Bearer " + as_token})
            return json.loads(urllib.request.urlopen(req, timeout=600).read())
        draw = None
        if not args.only or "enforcement" in args.only or "draws" in args.only:
            start = time.perf_counter()
            # The demo data holds a revealed city-wide draw of this quarter: drawing again gives the reason.
            draw = api("POST", "/draws", {"title": "bench", "size": 20, "overlapReason": "benchmark of the enforcement pages"})
            commit_ms = (time.perf_counter() - start) * 1000
            start = time.perf_counter()
            api("POST", "/draws/%s/reveal" % draw["id"])
            reveal_ms = (time.perf_counter() - start) * 1000
            inspections = api("POST", "/draws/%s/inspections" % draw["id"], {"plannedOn": "2026-12-15"})
            print(f"draw over a pool of {draw['poolEnterprises']} enterprises: commit {commit_ms:.0f} ms, reveal {reveal_ms:.0f} ms (each once)")

        # (label, path, account: "city", "county-141181" or "token", raw-SQL baseline)
        plan = [("GET /healthz (baseline)", "/healthz", None, None)]
        plan += [(label, path, "city", baseline) for label, path, baseline in [
            ("page: overview (city)", "/", None),
            ("page: enterprise list (city)", "/enterprises", raw_list),
            ("page: list, filtered + sorted", "/enterprises?industry=nonferrous&risk=moltenMetal&sort=employees&dir=desc", None),
            ("page: list, search", "/enterprises?q=%E6%BC%94%E7%A4%BA%E9%93%9D%E4%B8%9A", None),
            ("page: list, page 200", "/enterprises?page=200", None),
            ("page: enterprise detail", f"/enterprises/{some_id}", None),
            ("page: audit log", "/audit", None),
            ("page: hazard list (city)", "/hazards", raw_hazards),
            ("page: hazards, open major", "/hazards?state=open&level=major", None),
            ("page: hazards, overdue", "/hazards?state=open&overdue=1", None),
            ("page: hazards, search", "/hazards?q=%E6%B6%88%E9%98%B2", None),
            ("page: hazards, page 200", "/hazards?page=200", None),
            ("page: hazard detail", f"/hazards/{hazard_id}", None),
            ("page: dynamic zeroing (city)", "/hazards/zeroing", None),
            ("page: self-inspections (city)", "/self-inspections", None),
            ("page: criteria", "/hazard-criteria", None),
        ]]
        plan += [(label, path, "county-141181", baseline) for label, path, baseline in [
            ("page: enterprise list (county)", "/enterprises", raw_county),
            ("page: overview (county)", "/", None),
            ("page: hazard list (county)", "/hazards", raw_hazards_county),
            ("page: dynamic zeroing (county)", "/hazards/zeroing", None),
            ("page: self-inspections (county)", "/self-inspections", None),
        ]]
        plan += [(label, path, "token", None) for label, path in [
            ("api: list per=50", "/api/v1/enterprises?per=50"),
            ("api: list filtered", "/api/v1/enterprises?grade=A&county=141122"),
            ("api: detail", f"/api/v1/enterprises/{some_id}"),
            ("api: hazards per=50", "/api/v1/hazards?per=50"),
            ("api: hazards filtered", "/api/v1/hazards?state=open&level=major&county=141181"),
            ("api: hazard detail", f"/api/v1/hazards/{hazard_id}"),
            ("api: hazard statistics", "/api/v1/hazards/statistics"),
        ]]
        if draw:
            plan += [
                ("page: draw (pool of all)", f"/enforcement/draws/{draw['id']}", "city", None),
                ("page: public draw (pool of all)", f"/public/draws/{draw['id']}", "city", None),
                ("api: draw (pool of all)", f"/api/v1/draws/{draw['id']}", "token", None),
                ("page: draws (city)", "/enforcement/draws", "city", None),
                ("page: inspections (city)", "/enforcement/inspections", "city", None),
                ("page: inspection in the field", f"/enforcement/inspections/{inspections[0]['id']}", "city", None),
                ("page: plan (county)", "/enforcement/plan", "county-141181", None),
            ]

        if args.only:
            plan = plan[:1] + [row for row in plan[1:] if args.only in row[1]]
        # Each run sends every request N times in turn; the table shows the medians over the runs.
        results = {label: [] for label, _, _, _ in plan}
        for _ in range(args.runs):
            signed_in = None
            for label, path, account, _ in plan:
                if account not in (None, "token") and account != signed_in:
                    sign_in(account)
                    signed_in = account
                server_ms, client_ms = measure(path, use_token=account == "token")
                results[label].append((statistics.median(server_ms), pct(server_ms, 95), statistics.median(client_ms)))
        floor = statistics.median(p50 for p50, _, _ in results["GET /healthz (baseline)"])
        with open(f"/proc/{server.pid}/status") as f:
            peak = next(line for line in f if line.startswith("VmHWM")).split()[1]

        print(f"Zhiben benchmark on {'PostgreSQL' if postgres else 'SQLite'}: {args.enterprises} enterprises and {args.hazards} hazards (seeded in {seed_s:.1f} s), {args.requests} sequential requests each, medians of {args.runs} runs")
        print(f"{'request':38} {'server p50':>10} {'server p95':>10} {'client p50':>10} {'x healthz':>9} {'raw SQL':>8} {'x raw':>6}")
        for label, _, _, baseline in plan:
            p50 = statistics.median(r[0] for r in results[label])
            p95 = statistics.median(r[1] for r in results[label])
            client = statistics.median(r[2] for r in results[label])
            line = f"{label:38} {p50:8.2f}ms {p95:8.2f}ms {client:8.2f}ms {p50 / floor:8.1f}x"
            if baseline:
                line += f" {baseline:6.2f}ms {p50 / baseline:5.1f}x"
            print(line)
        print(f"server peak memory (VmHWM): {int(peak) / 1024:.0f} MiB")
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    sys.exit(main())
