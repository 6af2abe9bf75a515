#!/usr/bin/env python3
"""Zhiben ingest benchmark: readings per second through HTTP, durable and evaluated, against two
baselines measured in the same run on the same rows.

- Zhiben: POST /api/v1/telemetry, batches of --batch readings, --clients concurrent keep-alive clients
  on loopback, --points points of one enterprise, --readings readings in all. Every answer is checked
  (all accepted). Meanwhile: a probe point is pushed past its limit every half second and the time from
  the ingest's answer to the alarm's event on the SSE stream (GET /api/v1/alarms/stream) is measured;
  and two API lists are requested in turn (their p95 under load). The server's peak memory is read
  from /proc (VmHWM) at the end.
- Ceiling: the same rows loaded by the database's own bulk path into a table keyed by (point, time), the
  layout a row per reading would have: sqlite3's `.import` (one transaction), or `COPY … FROM STDIN`
  through psql.
- Disk: the database's growth over the run (after a clean stop of the server) per reading, beside
  InfluxDB's data and WAL directories' growth for the same readings.
- Each of these runs --runs times (3), each Zhiben run on a fresh server and database; medians printed.
- Peer: InfluxDB 1.x (Debian's `influxdb`), `wal-fsync-delay = 0s` so that it too answers only after an
  fsync, the same readings as line protocol, same batches, same clients.
- Load generator: the same clients and bodies against a server that reads and discards the body, to
  show the generator is not what limits the figures.

Usage: bench/ingest.py --binary .build/release/zhiben [--database-url postgres://…/empty_db]
       [--readings 1000000] [--points 2000] [--batch 1000] [--clients 4] [--runs 3] [--skip-influx]
Loopback only; every server it starts it stops.
"""
import argparse
import asyncio
import http.client
import json
import multiprocessing as mp
import os
import random
import shutil
import statistics
import subprocess
import tempfile
import threading
import time
import urllib.request
import uuid
from datetime import datetime, timedelta, timezone

from bench import free_port, pct  # noqa: E402  (bench/bench.py, beside this file)

BEIJING = timezone(timedelta(hours=8))
PASSWORD = "bench-password-2026"
# Between two requests of the lists under load: a few people at their pages (about 15 requests a second).
LIST_PAUSE = 0.05


def wait_ready(url, log=None, timeout=300, marker=None):
    end = time.time() + timeout
    while time.time() < end:
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status in (200, 204) and (marker is None or marker in open(log).read()):
                    return
        except Exception:
            pass
        time.sleep(0.3)
    raise SystemExit("not ready: " + url + ("\n" + open(log).read()[-2000:] if log else ""))


def call(base, method, path, token=None, body=None):
    req = urllib.request.Request(base + path, method=method, data=json.dumps(body).encode() if body is not None else None,
                                 headers={"Content-Type": "application/json", **({"Authorization": "Bearer " + token} if token else {})})
    with urllib.request.urlopen(req, timeout=60) as res:
        return json.load(res)


# ---- the load: the same bodies for every target ----------------------------------------------

LOAD = None  # (port, path, headers, bodies, clients, check): set before the workers fork


def client(index):
    """One keep-alive client: sends its share of the bodies in order; returns (start, end, latencies)."""
    port, path, headers, bodies, clients, check = LOAD
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    lat = []
    start = time.perf_counter()
    for body in bodies[index::clients]:
        t = time.perf_counter()
        conn.request("POST", path, body=body, headers=headers)
        res = conn.getresponse()
        data = res.read()
        lat.append(time.perf_counter() - t)
        if res.status not in (200, 204):
            raise RuntimeError("answer %d: %s" % (res.status, data[:300]))
        if check:
            a = json.loads(data)
            if a["accepted"] + a["duplicates"] != check:
                raise RuntimeError("not all stored: %s" % data[:300])
    end = time.perf_counter()
    conn.close()
    return start, end, lat


def run_load(port, path, headers, bodies, clients, per_batch, check=None):
    """The bodies over `clients` keep-alive connections (forked processes); readings/s from the first
    request sent to the last answer read (CLOCK_MONOTONIC, the same in every process), that window, and
    each batch's round trip."""
    # What earlier steps wrote (the previous target's files, deleted or not) is flushed first, so that
    # the kernel's write-back does not compete with this target's fsyncs.
    os.sync()
    global LOAD
    LOAD = (port, path, headers, bodies, clients, check)
    with mp.get_context("fork").Pool(clients) as pool:
        results = pool.map(client, range(clients))
    window = (min(r[0] for r in results), max(r[1] for r in results))
    return len(bodies) * per_batch / (window[1] - window[0]), window, [x for r in results for x in r[2]]


# ---- a server that reads and discards bodies --------------------------------------------------

def discard_server(port, ready):
    async def handle(reader, writer):
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n"):
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":")[1])
                await reader.readexactly(length)
                writer.write(b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n")
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()

    async def main():
        server = await asyncio.start_server(handle, "127.0.0.1", port)
        ready.set()
        async with server:
            await server.serve_forever()

    asyncio.run(main())


# ---- SSE: alarm latency ------------------------------------------------------------------------

class AlarmWatcher(threading.Thread):
    def __init__(self, port, token, code):
        super().__init__(daemon=True)
        self.port, self.token, self.code = port, token, code
        self.seen = {}  # raisedAt → arrival (perf_counter)
        self.stop = False

    def run(self):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=600)
        conn.request("GET", "/api/v1/alarms/stream", headers={"Authorization": "Bearer " + self.token})
        res = conn.getresponse()
        buf = b""
        while not self.stop:
            chunk = res.read1(65536)
            if not chunk:
                break
            buf += chunk
            while b"\n\n" in buf:
                block, buf = buf.split(b"\n\n", 1)
                for line in block.split(b"\n"):
                    if line.startswith(b"data: "):
                        a = json.loads(line[6:])
                        if a.get("pointCode") == self.code and a.get("state") == "active" and a["raisedAt"] not in self.seen:
                            self.seen[a["raisedAt"]] = time.perf_counter()


def probe(port, key, code, stop, out):
    """Every half second: a reading past the limit (raises an alarm), then one back to normal, on
    whole seconds counted from now (at most a few minutes ahead, as the ingest allows)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    base = datetime.now(timezone.utc).replace(microsecond=0)
    k = 0
    while not stop.is_set() and k < 140:
        for value, shift in ((95.0, 0), (30.0, 1)):
            ts = (base + timedelta(seconds=2 * k + shift)).astimezone(BEIJING).isoformat(timespec="seconds")
            body = json.dumps({"readings": [{"point": code, "ts": ts, "value": value}]})
            conn.request("POST", "/api/v1/telemetry", body=body, headers={"Authorization": "Bearer " + key, "Content-Type": "application/json"})
            res = conn.getresponse()
            res.read()
            if value > 50:
                out.append((ts, time.perf_counter()))
        k += 1
        stop.wait(0.5)


def pages_under_load(port, token, point, stop, out):
    """The lists, and a point's page with its trend (latest value, recent readings, the day's slices):
    one request at a time, a pause of LIST_PAUSE between them. Each sample keeps when it was sent and
    answered, so that only those inside the ingest load's window count."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    paths = ["/api/v1/alarms?per=50", "/api/v1/monitoring-points?per=50", "/api/v1/monitoring/connection", "/monitoring/points/" + point]
    i = 0
    while not stop.is_set():
        p = paths[i % len(paths)]
        t = time.perf_counter()
        conn.request("GET", p, headers={"Authorization": "Bearer " + token, "Cookie": "zhiben_session=" + token})
        res = conn.getresponse()
        res.read()
        assert res.status == 200, (p, res.status)
        done = time.perf_counter()
        out.setdefault(p.replace(point, "{id}"), []).append((t, done, (done - t) * 1000))
        i += 1
        stop.wait(LIST_PAUSE)


def peak_rss_mib(pid):
    for line in open("/proc/%d/status" % pid):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


# ---- main ---------------------------------------------------------------------------------------

def one_zhiben(binary, args, pg, bodies, run):
    """One run against a fresh server and database: readings/s, latencies, alarms, lists, memory, disk."""
    work = tempfile.mkdtemp(prefix="zhiben-ingest-")
    procs = []
    try:
        port = free_port()
        base = "http://127.0.0.1:%d" % port
        if pg:
            subprocess.run(["psql", pg, "-qc", "DROP SCHEMA public CASCADE; CREATE SCHEMA public"], check=True, stderr=subprocess.DEVNULL)
        db = os.path.join(work, "ingest.sqlite")
        env = dict(os.environ, ZHIBEN_DEMO_PASSWORD=PASSWORD, ZHIBEN_DEMO_ENTERPRISES="20", ZHIBEN_SIMULATE="false",
                   DATABASE_URL=pg or "sqlite://" + db, ZHIBEN_MAX_BODY="20mb")
        log = os.path.join(work, "server.log")
        server = subprocess.Popen([binary, "serve", "--hostname", "127.0.0.1", "--port", str(port)], cwd=work, env=env,
                                  stdout=open(log, "w"), stderr=subprocess.STDOUT)
        procs.append(server)
        wait_ready(base + "/readyz", log, marker="Zhiben")
        city = call(base, "POST", "/api/v1/session", body={"username": "city", "password": PASSWORD})["token"]
        admin = call(base, "POST", "/api/v1/session", body={"username": "admin", "password": PASSWORD})["token"]
        e = call(base, "GET", "/api/v1/enterprises?per=1&sort=name", city)["items"][0]
        company = call(base, "POST", "/api/v1/session", body={"username": "ent-" + e["creditCode"].lower(), "password": PASSWORD})["token"]
        t = time.time()
        for i in range(args.points + 1):
            code = "PROBE" if i == args.points else "B-%05d" % i
            # An hour's interval: the run replays more than an hour of readings in seconds, and a point
            # whose latest reading lags the clock by three of its intervals counts as offline.
            call(base, "POST", "/api/v1/monitoring-points", company,
                 {"code": code, "name": "点位 " + code, "indicator": "DUST-DRY-HOPPER-TEMP", "interval": 3600 if code != "PROBE" else 10,
                  "limits": {"high": 70, "highHigh": 90}})
        if run == 0:
            print("%d points in %.1f s" % (args.points + 1, time.time() - t))
        key = call(base, "POST", "/api/v1/api-keys", admin, {"name": "bench", "enterpriseCreditCode": e["creditCode"]})["key"]
        some_point = call(base, "GET", "/api/v1/monitoring-points?per=1&q=B-00007", company)["items"][0]["id"]
        before = disk_bytes(pg, db)

        watcher = AlarmWatcher(port, city, "PROBE")
        watcher.start()
        time.sleep(0.5)
        probes, lists = [], {}
        side = threading.Event()
        pt = threading.Thread(target=probe, args=(port, key, "PROBE", side, probes), daemon=True)
        lt = threading.Thread(target=pages_under_load, args=(port, city, some_point, side, lists), daemon=True)
        pt.start()
        lt.start()
        headers = {"Authorization": "Bearer " + key, "Content-Type": "application/json"}
        rate, window, lat = run_load(port, "/api/v1/telemetry", headers, bodies, args.clients, args.batch, check=args.batch)
        side.set()
        pt.join()
        lt.join()
        time.sleep(1.5)
        watcher.stop = True
        peak = peak_rss_mib(server.pid)
        latencies = [(watcher.seen[ts] - answered) * 1000 for ts, answered in probes if ts in watcher.seen]
        missing = sum(1 for ts, _ in probes if ts not in watcher.seen)
        # Under load: the requests sent and answered while the clients were sending (not those that met
        # the server idle before the first batch or after the last).
        inside = {p: [ms for sent, done, ms in v if sent >= window[0] and done <= window[1]] for p, v in lists.items()}
        # A clean stop: what the server holds in memory is written out, as it would be at any stop.
        server.terminate()
        server.wait(60)
        after = disk_bytes(pg, db)
        return {"rate": rate, "p50": pct(lat, 50) * 1000, "p95": pct(lat, 95) * 1000, "alarm_p50": pct(latencies, 50),
                "alarm_p99": pct(latencies, 99), "alarms": len(latencies), "unseen": missing,
                "lists": inside,
                "peak": peak, "bytes": after - before}
    except BaseException:
        print(open(os.path.join(work, "server.log")).read()[-4000:])
        raise
    finally:
        for p in procs:
            if p.poll() is None:
                p.terminate()
                try:
                    p.wait(10)
                except Exception:
                    p.kill()
        shutil.rmtree(work, ignore_errors=True)


def disk_bytes(pg, db):
    if pg:
        out = subprocess.run(["psql", pg, "-tAc", "SELECT pg_database_size(current_database())"], check=True, capture_output=True, text=True)
        return int(out.stdout.strip())
    # The database's size as its pages say (the committed state, whether still in the write-ahead log or
    # copied into the file), so that a log not yet checkpointed is neither counted twice nor missed.
    out = subprocess.run(["sqlite3", db, "PRAGMA page_count", "PRAGMA page_size"], check=True, capture_output=True, text=True).stdout.split()
    return int(out[0]) * int(out[1])


def dir_bytes(path):
    return sum(os.path.getsize(os.path.join(d, f)) for d, _, files in os.walk(path) for f in files)


def one_influx(lines, args):
    work = tempfile.mkdtemp(prefix="zhiben-influx-")
    try:
        iport = free_port()
        conf = os.path.join(work, "influxdb.conf")
        open(conf, "w").write("""reporting-disabled = true
bind-address = "127.0.0.1:%d"
[meta]
  dir = "%s/meta"
[data]
  dir = "%s/data"
  wal-dir = "%s/wal"
  wal-fsync-delay = "0s"
  query-log-enabled = false
[http]
  bind-address = "127.0.0.1:%d"
  log-enabled = false
[monitor]
  store-enabled = false
""" % (free_port(), work, work, work, iport))
        influx = subprocess.Popen(["influxd", "-config", conf], stdout=open(os.path.join(work, "log"), "w"), stderr=subprocess.STDOUT)
        try:
            wait_ready("http://127.0.0.1:%d/ping" % iport)
            urllib.request.urlopen(urllib.request.Request("http://127.0.0.1:%d/query?q=CREATE+DATABASE+bench" % iport, method="POST")).read()
            before = dir_bytes(os.path.join(work, "data")) + dir_bytes(os.path.join(work, "wal"))
            rate, _, _ = run_load(iport, "/write?db=bench&precision=s", {"Content-Type": "text/plain"}, lines, args.clients, args.batch)
        finally:
            influx.terminate()
            influx.wait()
        after = dir_bytes(os.path.join(work, "data")) + dir_bytes(os.path.join(work, "wal"))
        return rate, after - before
    finally:
        shutil.rmtree(work, ignore_errors=True)


def one_ceiling(pg, rows):
    work = tempfile.mkdtemp(prefix="zhiben-ceiling-")
    try:
        ids = {}
        csv_path = os.path.join(work, "rows.csv")
        with open(csv_path, "w") as f:
            for c, _, ms, v in rows:
                f.write("%s,%d,%s,\n" % (ids.setdefault(c, str(uuid.uuid4())), ms, v))
        if pg:
            subprocess.run(["psql", pg, "-qc", "DROP TABLE IF EXISTS readings_ceiling; CREATE TABLE readings_ceiling (point_id UUID NOT NULL, ts BIGINT NOT NULL, "
                            "value DOUBLE PRECISION, state TEXT, PRIMARY KEY (point_id, ts))"], check=True)
            t = time.perf_counter()
            subprocess.run(["psql", pg, "-qc", "\\copy readings_ceiling (point_id, ts, value, state) FROM '%s' WITH (FORMAT csv)" % csv_path], check=True)
            wall = time.perf_counter() - t
            subprocess.run(["psql", pg, "-qc", "DROP TABLE readings_ceiling"], check=True)
        else:
            db = os.path.join(work, "ceiling.sqlite")
            subprocess.run(["sqlite3", db, "PRAGMA journal_mode=WAL; CREATE TABLE readings_ceiling (point_id TEXT NOT NULL, ts INTEGER NOT NULL, value REAL, "
                            "state TEXT, PRIMARY KEY (point_id, ts)) WITHOUT ROWID"], check=True, stdout=subprocess.DEVNULL)
            t = time.perf_counter()
            subprocess.run(["sqlite3", db, "-cmd", "PRAGMA synchronous=FULL", ".import --csv %s readings_ceiling" % csv_path], check=True)
            wall = time.perf_counter() - t
        return len(rows) / wall
    finally:
        shutil.rmtree(work, ignore_errors=True)


def median(xs):
    return statistics.median(xs) if xs else float("nan")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", default=".build/release/zhiben")
    ap.add_argument("--database-url")
    ap.add_argument("--readings", type=int, default=1_000_000)
    ap.add_argument("--points", type=int, default=2000)
    ap.add_argument("--batch", type=int, default=1000)
    ap.add_argument("--clients", type=int, default=4)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--skip-influx", action="store_true")
    args = ap.parse_args()
    binary = os.path.abspath(args.binary)
    pg = args.database_url

    # The rows: every point at each 10-second tick, up to a minute ago; values inside the limits.
    ticks = args.readings // args.points
    start = datetime.now(timezone.utc).replace(microsecond=0) - timedelta(seconds=60 + 10 * ticks)
    rng = random.Random(7)
    rows = []
    for k in range(ticks):
        ts = start + timedelta(seconds=10 * k)
        iso = ts.astimezone(BEIJING).isoformat()
        ms = int(ts.timestamp() * 1000)
        for i in range(args.points):
            rows.append(("B-%05d" % i, iso, ms, round(40 + rng.random() * 10, 2)))
    n = len(rows)
    bodies = [json.dumps({"readings": [{"point": c, "ts": iso, "value": v} for c, iso, _, v in rows[b:b + args.batch]]}).encode()
              for b in range(0, n, args.batch)]
    lines = ["\n".join("reading,point=%s value=%s %d" % (c, v, ms // 1000) for c, _, ms, v in rows[b:b + args.batch]).encode()
             for b in range(0, n, args.batch)]
    print("%d readings in %d batches of %d, %d clients; JSON %.0f MB; %d runs each, medians" % (n, len(bodies), args.batch, args.clients,
                                                                                               sum(map(len, bodies)) / 1e6, args.runs))

    gen, zhiben, ceiling, influx = [], [], [], []
    for run in range(args.runs):
        # 1. The load generator alone, against a server that discards the bodies.
        dport = free_port()
        ready = mp.Event()
        discard = mp.Process(target=discard_server, args=(dport, ready), daemon=True)
        discard.start()
        ready.wait(10)
        gen.append(run_load(dport, "/", {"Content-Type": "application/json"}, bodies, args.clients, args.batch)[0])
        discard.terminate()
        # 2. Zhiben, with the probe, the SSE watcher and the lists running alongside.
        zhiben.append(one_zhiben(binary, args, pg, bodies, run))
        # 3. The ceiling: the same rows by the database's own bulk path, into a table keyed by (point, time).
        ceiling.append(one_ceiling(pg, rows))
        # 4. The peer: InfluxDB 1.x, fsync on every write.
        if not args.skip_influx and shutil.which("influxd"):
            influx.append(one_influx(lines, args))
        z = zhiben[-1]
        print("run %d: Zhiben %.0f readings/s, %.1f bytes a reading; ceiling %.0f/s%s" % (
            run + 1, z["rate"], z["bytes"] / n, ceiling[-1], "; InfluxDB %.0f/s, %.1f bytes a reading" % (influx[-1][0], influx[-1][1] / n) if influx else ""),
            flush=True)

    engine = "PostgreSQL" if pg else "SQLite"
    z_rate = median([z["rate"] for z in zhiben])
    z_bytes = median([z["bytes"] for z in zhiben]) / n
    c_rate = median(ceiling)
    ceiling_how = "COPY … FROM STDIN (psql \\copy)" if pg else "sqlite3 .import (one transaction)"
    print()
    print("## Ingest, %s: %d readings, batches of %d, %d clients, medians of %d runs" % (engine, n, args.batch, args.clients, args.runs))
    print("| what | readings/s | ratio | bytes a reading on disk |")
    print("|---|---|---|---|")
    print("| load generator against a discarding server | %.0f | — | — |" % median(gen))
    print("| Zhiben POST /api/v1/telemetry (durable, deduplicated, evaluated) | %.0f | 1 | %.1f |" % (z_rate, z_bytes))
    print("| ceiling: %s into a table keyed by (point, time) | %.0f | Zhiben = %.2f of it | — |" % (ceiling_how, c_rate, z_rate / c_rate))
    if influx:
        i_rate = median([r for r, _ in influx])
        i_bytes = median([b for _, b in influx]) / n
        print("| peer: InfluxDB (wal-fsync-delay 0s), line protocol | %.0f | Zhiben = %.2f of it | %.1f (Zhiben = %.2f of it) |" % (
            i_rate, z_rate / i_rate, i_bytes, z_bytes / i_bytes))
    print()
    print("batch round trip p50 %.1f ms, p95 %.1f ms" % (median([z["p50"] for z in zhiben]), median([z["p95"] for z in zhiben])))
    print("alarm latency, ingest answer → SSE event: p50 %.1f ms, p99 %.1f ms (%d alarms in all, %d not seen)" % (
        median([z["alarm_p50"] for z in zhiben]), median([z["alarm_p99"] for z in zhiben]), sum(z["alarms"] for z in zhiben),
        sum(z["unseen"] for z in zhiben)))
    for p in sorted(zhiben[0]["lists"]):
        runs = [z["lists"].get(p, []) for z in zhiben]
        every = [ms for r in runs for ms in r]
        if not every:
            print("under load: GET %s: no request fell inside the load's window (too short a run)" % p)
            continue
        print("under load: GET %s p95 %.1f ms over all %d requests of the runs (median of the runs' p95 %.1f ms, slowest %.1f ms)" % (
            p, pct(every, 95), len(every), median([pct(r, 95) for r in runs if r]), max(every)))
    print("server peak memory (VmHWM): %.0f MiB" % median([z["peak"] for z in zhiben]))


if __name__ == "__main__":
    main()
