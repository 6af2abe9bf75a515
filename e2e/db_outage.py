"""PostgreSQL stopped under load, then started again. Eight clients read lists, send readings and change
records while the database goes away for about ten seconds. Checked: while it is down every refused
request answers 503 with Retry-After (problem JSON on the API, a Chinese page in the browser) and none
answers 500; sign-in too; the server recovers by itself; every acknowledged reading and change is stored;
the audit chain is intact.

usage: python3 e2e/db_outage.py BINARY POSTGRES_URL PGDATA PG_PORT   (loopback only; the PostgreSQL
server at PGDATA is stopped and started again with `pg_ctl`, as the postgres user; stops by itself
within about two minutes)
"""
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from datetime import datetime, timedelta, timezone

from processes import assert_audit_intact, free_port

BIN = os.path.abspath(sys.argv[1])
SERVER_URL = sys.argv[2].rstrip("/")
PGDATA = sys.argv[3]
PG_PORT = sys.argv[4]
PASSWORD = "db-outage-password"
WORK = tempfile.mkdtemp(prefix="zhiben-outage-")
DBNAME = "zhiben_outage_%d" % os.getpid()
DB_URL = SERVER_URL.rsplit("/", 1)[0] + "/" + DBNAME
CLIENTS = 8
OUTAGE = 10  # seconds the database is down


def pg_ctl(action):
    options = "-o '-p %s -k /tmp -c fsync=off' -l '%s/log' -w" % (PG_PORT, PGDATA) if action == "start" else "-m fast -w"
    subprocess.run(["su", "postgres", "-c", "/usr/lib/postgresql/15/bin/pg_ctl -D '%s' %s %s" % (PGDATA, options, action)],
                   check=True, stdout=subprocess.DEVNULL)


PORT = free_port()
BASE = "http://127.0.0.1:%d" % PORT


SLOWEST = [0.0, ""]
SLOW = []
T0 = [time.time()]


def call(method, path, token=None, body=None, headers=None, timeout=30):
    """(status, headers, body text); never raises for an HTTP status."""
    started = time.time()
    try:
        return _call(method, path, token, body, headers, timeout)
    finally:
        took = time.time() - started
        if took > 5:
            SLOW.append("%s %s started at %.1f s took %.1f s" % (method, path.split("?")[0], started - T0[0], took))
        if took > SLOWEST[0]:
            SLOWEST[0], SLOWEST[1] = took, method + " " + path


def _call(method, path, token, body, headers, timeout):
    req = urllib.request.Request(BASE + path, method=method, data=json.dumps(body).encode() if body is not None else None,
                                 headers={"Content-Type": "application/json", **({"Authorization": "Bearer " + token} if token else {}),
                                          **(headers or {})})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as res:
            return res.status, dict(res.headers), res.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read().decode()


def stamp(t):
    return t.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def main():
    subprocess.run(["psql", SERVER_URL, "-q", "-c", "CREATE DATABASE " + DBNAME], check=True)
    env = dict(os.environ, DATABASE_URL=DB_URL, ZHIBEN_DEMO_PASSWORD=PASSWORD, ZHIBEN_DEMO_ENTERPRISES="16", ZHIBEN_SIMULATE="false")
    log = open(os.path.join(WORK, "server.log"), "w")
    server = subprocess.Popen([BIN, "serve", "--hostname", "127.0.0.1", "--port", str(PORT)], cwd=WORK, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        for _ in range(240):
            try:
                if call("GET", "/readyz", timeout=2)[0] == 200 and "Zhiben" in open(os.path.join(WORK, "server.log")).read():
                    break
            except (urllib.error.URLError, ConnectionError, OSError):
                pass
            time.sleep(0.5)
        else:
            raise SystemExit("the server did not start:\n" + open(os.path.join(WORK, "server.log")).read()[-3000:])

        def token(user):
            status, _, body = call("POST", "/api/v1/session", body={"username": user, "password": PASSWORD})
            assert status == 201, (user, status, body)
            return json.loads(body)["token"]

        city, admin = token("city"), token("admin")
        enterprises = json.loads(call("GET", "/api/v1/enterprises?per=%d&sort=name" % CLIENTS, city)[2])["items"]
        assert len(enterprises) == CLIENTS, enterprises
        keys, points = [], []
        for n, e in enumerate(enterprises):
            company = token("ent-" + e["creditCode"].lower())
            status, _, body = call("POST", "/api/v1/monitoring-points", company, {"code": "OUT-%d" % n, "name": "停库测试温度", "indicator": "DUST-DRY-HOPPER-TEMP",
                                                                                 "interval": 10, "limits": {"high": 50, "highHigh": 80}})
            assert status == 201, body
            points.append(json.loads(body)["id"])
            keys.append(json.loads(call("POST", "/api/v1/api-keys", admin, {"name": "outage", "enterpriseCreditCode": e["creditCode"]})[2])["key"])

        stop = threading.Event()
        down = threading.Event()
        lock = threading.Lock()
        seen = {"during": {}, "other": {}, "bad": []}
        acknowledged_readings = [0] * CLIENTS
        acknowledged_address = [None] * CLIENTS

        def note(status, headers, body, what):
            with lock:
                bucket = "during" if down.is_set() else "other"
                seen[bucket][status] = seen[bucket].get(status, 0) + 1
                if status >= 500 and status != 503:
                    seen["bad"].append((what, status, body[:300]))
                if status == 503 and (headers.get("Retry-After") is None or "数据库暂时无法访问" not in body):
                    seen["bad"].append((what, "503 without Retry-After or message", body[:300]))

        def client(n):
            last = datetime.now(timezone.utc) - timedelta(minutes=5)
            i = 0
            while not stop.is_set():
                i += 1
                try:
                    kind = i % 4
                    if kind == 0:
                        last = max(datetime.now(timezone.utc), last + timedelta(milliseconds=1))
                        status, headers, body = call("POST", "/api/v1/telemetry", keys[n], {"readings": [{"point": "OUT-%d" % n, "ts": stamp(last), "value": 30.0}]}, timeout=40)
                        if status == 200:
                            acknowledged_readings[n] += json.loads(body)["accepted"]
                        note(status, headers, body, "telemetry")
                    elif kind == 1:
                        address = "停库测试地址 %d-%d" % (n, i)
                        status, headers, body = call("PATCH", "/api/v1/enterprises/%s" % enterprises[n]["id"], city, {"address": address}, timeout=40)
                        if status == 200:
                            acknowledged_address[n] = i
                        note(status, headers, body, "patch")
                    elif kind == 2:
                        status, headers, body = call("GET", "/api/v1/hazards?per=5", city, timeout=40)
                        note(status, headers, body, "list")
                    else:
                        status, headers, body = call("POST", "/api/v1/session", body={"username": "city", "password": PASSWORD}, timeout=40)
                        note(status, headers, body, "sign-in")
                except (urllib.error.URLError, ConnectionError, OSError) as e:
                    with lock:
                        seen["bad"].append(("connection", str(e), ""))
                time.sleep(0.02)

        def reader():
            # A quick read every tenth of a second besides the eight clients: they can all be inside a
            # sign-in (bcrypt dominates it) when the database stops, and a write whose connection the
            # stop cut waits until a request that needs the database has seen the outage.
            while not stop.is_set():
                try:
                    status, headers, body = call("GET", "/api/v1/hazards?per=1", city, timeout=40)
                    note(status, headers, body, "read")
                except (urllib.error.URLError, ConnectionError, OSError) as e:
                    with lock:
                        seen["bad"].append(("connection", str(e), ""))
                time.sleep(0.1)

        threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)] + [threading.Thread(target=reader)]
        for t in threads:
            t.start()
        time.sleep(3)
        T0[0] = time.time()
        pg_ctl("stop")
        down.set()
        time.sleep(OUTAGE)
        # The page a browser gets meanwhile.
        status, headers, page = call("GET", "/public/draws", headers={"Accept": "text/html"})
        pg_ctl("start")
        down.clear()
        print("database back after %.1f s" % (time.time() - T0[0]))
        # Recovery: the same requests succeed again by themselves.
        deadline = time.time() + 30
        while time.time() < deadline and call("GET", "/api/v1/hazards?per=1", city)[0] != 200:
            time.sleep(0.5)
        recovered = call("GET", "/api/v1/hazards?per=1", city)[0] == 200
        time.sleep(3)
        stop.set()
        for t in threads:
            t.join(timeout=60)

        print("while down: %s; otherwise: %s; slowest answer %.1f s (%s)" % (seen["during"], seen["other"], SLOWEST[0], SLOWEST[1]))
        for line in SLOW[:20]:
            print("slow: " + line)
        assert not seen["bad"], seen["bad"][:5]
        assert seen["during"].get(503, 0) > 0, "nothing answered 503 while the database was down"
        assert set(seen["during"]) <= {200, 201, 503}, seen["during"]
        assert recovered, "the server did not recover by itself"
        print("a page while down: %d %s" % (status, "系统暂时无法连接数据库" in page))
        assert status == 503 and "系统暂时无法连接数据库" in page and headers.get("Retry-After"), page[:500]

        # Nothing acknowledged was lost.
        for n, e in enumerate(enterprises):
            if acknowledged_address[n] is not None:
                current = json.loads(call("GET", "/api/v1/enterprises/%s" % e["id"], city)[2])["address"]
                assert current.startswith("停库测试地址 %d-" % n) and int(current.rsplit("-", 1)[1]) >= acknowledged_address[n], (current, acknowledged_address[n])
        # A clean stop writes the readings held in memory out as blocks (the log is then empty).
        server.terminate()
        server.wait(timeout=60)
        left = subprocess.run(["psql", DB_URL, "-tA", "-c", "SELECT COUNT(*) FROM reading_log"], capture_output=True, text=True, check=True).stdout.strip()
        assert left == "0", "the reading log was not written out at the stop: %s rows" % left
        for n, e in enumerate(enterprises):
            stored = subprocess.run(["psql", DB_URL, "-tA", "-c", "SELECT COALESCE(SUM(n), 0) FROM reading_blocks WHERE point_id = '%s'" % points[n]],
                                    capture_output=True, text=True, check=True).stdout.strip()
            # A batch whose answer was lost with the connection may be stored too: never fewer than acknowledged.
            assert int(stored) >= acknowledged_readings[n], (n, stored, acknowledged_readings[n])
        print("acknowledged: %d readings and %d changes, all stored" % (sum(acknowledged_readings), sum(a is not None for a in acknowledged_address)))
    finally:
        if server.poll() is None:
            server.terminate()
            server.wait(timeout=30)
    assert_audit_intact(BIN, WORK, DB_URL)


if __name__ == "__main__":
    try:
        main()
    finally:
        subprocess.run(["psql", SERVER_URL, "-q", "-c", "DROP DATABASE IF EXISTS " + DBNAME])
        if os.environ.get("ZHIBEN_OUTAGE_LOG"):
            subprocess.run(["cp", os.path.join(WORK, "server.log"), os.environ["ZHIBEN_OUTAGE_LOG"]])
        subprocess.run(["rm", "-rf", WORK])
