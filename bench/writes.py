#!/usr/bin/env python3
"""Zhiben benchmark: audited writes (hazard reports) under concurrent clients, beside the raw commit rate
of the same disk and database measured in the same run.

Each run seeds a fresh database (`zhiben seed-demo`), starts `zhiben serve` on a free loopback port and
lets N keep-alive clients (forked processes) report hazards (`POST /api/v1/hazards`, audited) as fast
as the server answers, for a fixed time, while a few more clients read hazard lists
(`GET /api/v1/hazards?per=20`, paced at --read-rate each) to show what reads wait meanwhile. Every answer is checked (201 or 200). Afterwards the server is stopped and every acknowledged report is looked up in
the database, and `zhiben audit verify` checks the chain: a run with a lost report or a broken chain
fails. The reference is the database's own commit rate on the same disk: single-row commits (one
fsync each), and rows in one commit.

usage: bench/writes.py [--binary .build/release/zhiben] [--clients 16] [--readers 2] [--seconds 10] [--runs 3]
                       [--write-share 1.0] [--database-url postgres://…/empty_db]
Loopback only; every run stops by itself after --seconds.
"""
import argparse
import json
import multiprocessing
import os
import random
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "e2e"))
from processes import free_port  # noqa: E402

PASSWORD = "bench-password-1"


def pct(values, p):
    if not values:
        return float("nan")
    v = sorted(values)
    return v[min(len(v) - 1, int(len(v) * p / 100))]


def raw_sqlite(path, seconds=2.0):
    """Single-row commits (WAL, synchronous=FULL, as the server runs) and rows in one commit, per second."""
    con = sqlite3.connect(path, isolation_level=None)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=FULL")
    con.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT)")
    body = "x" * 400
    n, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        con.execute("BEGIN")
        con.execute("INSERT INTO t (body) VALUES (?)", (body,))
        con.execute("COMMIT")
        n += 1
    single = n / (time.perf_counter() - start)
    start = time.perf_counter()
    con.execute("BEGIN")
    con.executemany("INSERT INTO t (body) VALUES (?)", ((body,) for _ in range(200_000)))
    con.execute("COMMIT")
    bulk = 200_000 / (time.perf_counter() - start)
    con.close()
    return single, bulk


def raw_postgres(url, work, count=2000):
    """Single-row commits through psql (autocommit: one commit each), and rows in one commit."""
    path = os.path.join(work, "single.sql")
    with open(path, "w") as f:
        f.write("DROP TABLE IF EXISTS bench_raw; CREATE TABLE bench_raw (id BIGSERIAL PRIMARY KEY, body TEXT);\n")
        f.write("".join("INSERT INTO bench_raw (body) VALUES (repeat('x', 400));\n" for _ in range(count)))
    start = time.perf_counter()
    subprocess.run(["psql", "-q", "-X", url, "-f", path], check=True, capture_output=True)
    single = count / (time.perf_counter() - start)
    start = time.perf_counter()
    subprocess.run(["psql", "-q", "-X", url, "-c", "INSERT INTO bench_raw (body) SELECT repeat('x', 400) FROM generate_series(1, 200000)"],
                   check=True, capture_output=True)
    bulk = 200_000 / (time.perf_counter() - start)
    subprocess.run(["psql", "-q", "-X", url, "-c", "DROP TABLE bench_raw"], check=True, capture_output=True)
    return single, bulk


class Connection:
    """A keep-alive HTTP/1.1 client on one socket that does no more than this bench needs (the server
    answers with Content-Length). The clients share the 2 cores with the server: `http.client` spent
    about twice the CPU per request, which the server then did not get."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=60)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""

    def request(self, head, body=b""):
        self.sock.sendall(head + b"Content-Length: %d\r\n\r\n" % len(body) + body)
        while b"\r\n\r\n" not in self.buf:
            self.buf += self._recv()
        header, _, rest = self.buf.partition(b"\r\n\r\n")
        status = int(header[9:12])
        length = 0
        for line in header.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        while len(rest) < length:
            rest += self._recv()
        self.buf = rest[length:]
        return status, rest[:length]

    def _recv(self):
        data = self.sock.recv(65536)
        if not data:
            raise ConnectionError("the server closed the connection")
        return data


def client(port, token, enterprises, seconds, share, seed, out, pause=0.0):
    rnd = random.Random(seed)
    conn = Connection(port)
    auth = ("Host: 127.0.0.1\r\nAuthorization: Bearer %s\r\n" % token).encode()
    post = b"POST /api/v1/hazards HTTP/1.1\r\n" + auth + b"Content-Type: application/json\r\n"
    get = b"GET /api/v1/hazards?per=20 HTTP/1.1\r\n" + auth
    writes, reads, created, failures = [], [], [], []
    deadline = time.perf_counter() + seconds
    n = 0
    while time.perf_counter() < deadline:
        n += 1
        start = time.perf_counter()
        if rnd.random() < share:
            body = json.dumps({"enterpriseId": rnd.choice(enterprises), "title": f"压力测试隐患 {seed}-{n}",
                               "description": "通道堆放杂物，消防设施被遮挡", "location": "二号车间", "source": "inspection"}).encode()
            status, data = conn.request(post, body)
            if status != 201:
                failures.append(f"POST {status} {data[:200]!r}")
                continue
            writes.append(time.perf_counter() - start)
            created.append(json.loads(data)["id"])
        else:
            status, _ = conn.request(get)
            if status != 200:
                failures.append(f"GET {status}")
                continue
            reads.append(time.perf_counter() - start)
            if pause:
                time.sleep(pause)
    out.put((writes, reads, created, failures))


def one_run(args, binary, run):
    work = tempfile.mkdtemp(prefix="zhiben-writes-")
    db = os.path.join(work, "bench.sqlite")
    url = args.database_url or "sqlite://" + db
    postgres = url.startswith("postgres")
    env = dict(os.environ, DATABASE_URL=url, ZHIBEN_DEMO_PASSWORD=PASSWORD, ZHIBEN_SEED_DEMO="false", ZHIBEN_SIMULATE="false",
               LOG_LEVEL="warning")
    if postgres:
        subprocess.run(["psql", "-q", "-X", url, "-c", "DROP SCHEMA public CASCADE; CREATE SCHEMA public"], check=True, capture_output=True)
    subprocess.run([binary, "seed-demo", "--enterprises", str(args.enterprises), "--hazards", str(args.enterprises * 4)], env=env,
                   check=True, cwd=work, stdout=subprocess.DEVNULL)
    single, bulk = raw_postgres(url, work) if postgres else raw_sqlite(os.path.join(work, "raw.sqlite"))

    port = free_port()
    server = subprocess.Popen([binary, "serve", "--hostname", "127.0.0.1", "--port", str(port)], env=env, cwd=work,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(base + "/readyz", timeout=1)
                break
            except Exception:
                time.sleep(0.2)

        def api(method, path, body=None, token=None):
            req = urllib.request.Request(base + "/api/v1" + path, method=method, data=json.dumps(body).encode() if body is not None else None,
                                         headers={"Content-Type": "application/json", **({"Authorization": "Bearer " + token} if token else {})})
            return json.loads(urllib.request.urlopen(req, timeout=60).read())

        token = api("POST", "/session", {"username": "city", "password": PASSWORD})["token"]
        enterprises = [e["id"] for e in api("GET", "/enterprises?per=100", token=token)["items"]]
        out = multiprocessing.Queue()
        procs = [multiprocessing.Process(target=client, args=(port, token, enterprises, args.seconds,
                                                              args.write_share if i < args.clients else 0.0, run * 1000 + i, out,
                                                              0.0 if i < args.clients else 1.0 / args.read_rate))
                 for i in range(args.clients + args.readers)]
        start = time.perf_counter()
        for p in procs:
            p.start()
        results = [out.get() for _ in procs]
        elapsed = time.perf_counter() - start
        for p in procs:
            p.join()
        with open(f"/proc/{server.pid}/status") as f:
            peak = int(next(line for line in f if line.startswith("VmHWM")).split()[1]) / 1024
    finally:
        server.terminate()
        server.wait()

    writes = [w for r in results for w in r[0]]
    reads = [w for r in results for w in r[1]]
    created = [c for r in results for c in r[2]]
    failures = [f for r in results for f in r[3]]
    if failures:
        raise SystemExit(f"{len(failures)} requests failed, e.g. {failures[:3]}")
    # Every acknowledged report is stored, and the chain holds.
    if postgres:
        found = subprocess.run(["psql", "-At", "-X", url, "-c", "SELECT id FROM hazards"], check=True, capture_output=True, text=True).stdout.split()
        stored = set(found)
    else:
        con = sqlite3.connect(db)
        stored = set()
        for (raw_id,) in con.execute("SELECT id FROM hazards"):
            stored.add(str(__import__("uuid").UUID(bytes=raw_id)) if isinstance(raw_id, bytes) else raw_id.lower())
        con.close()
    lost = [c for c in created if c.lower() not in stored]
    if lost:
        raise SystemExit(f"{len(lost)} acknowledged reports are not stored, e.g. {lost[:3]}")
    verify = subprocess.run([binary, "audit", "verify"], cwd=work, env=env, capture_output=True, text=True)
    if not verify.stdout.startswith("OK"):
        raise SystemExit("audit chain: " + verify.stdout + verify.stderr)
    return {
        "writes/s": len(writes) / elapsed, "reads/s": len(reads) / elapsed,
        "write p50": statistics.median(writes) * 1000, "write p99": pct(writes, 99) * 1000,
        "read p50": statistics.median(reads) * 1000, "read p99": pct(reads, 99) * 1000,
        "raw single commits/s": single, "raw rows in one commit/s": bulk, "peak MiB": peak,
        "ratio": len(writes) / elapsed / single,  # audited writes per raw single-row commit
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", default=".build/release/zhiben")
    ap.add_argument("--database-url", help="an empty PostgreSQL database instead of a new SQLite file (its public schema is recreated)")
    ap.add_argument("--clients", type=int, default=16, help="clients that report hazards")
    ap.add_argument("--readers", type=int, default=2, help="clients that read hazard lists meanwhile")
    ap.add_argument("--read-rate", type=float, default=20, help="requests per second of each reading client (at most)")
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--write-share", type=float, default=1.0, help="the share of the reporting clients' requests that are reports (the rest lists)")
    ap.add_argument("--enterprises", type=int, default=100)
    args = ap.parse_args()
    binary = os.path.abspath(args.binary)
    runs = []
    for run in range(args.runs):
        r = one_run(args, binary, run)
        runs.append(r)
        print(f"run {run + 1}: " + ", ".join(f"{k} {v:,.1f}" for k, v in r.items()), flush=True)
    engine = "PostgreSQL" if args.database_url else "SQLite"
    print(f"\nAudited writes on {engine}: {args.clients} clients reporting hazards ({args.write_share:.0%} of their requests), "
          f"{args.readers} reading hazard lists (at most {args.read_rate:g}/s each), "
          f"{args.seconds:g} s per run, median of {len(runs)} runs (every acknowledged report found, audit chain verified)")
    for key in runs[0]:
        print(f"  {key:26} {statistics.median(r[key] for r in runs):12,.{3 if key == 'ratio' else 1}f}")


if __name__ == "__main__":
    sys.exit(main())
