#!/usr/bin/env python3
"""Fault test: `kill -9` the server while 4 gateways send batches of 1,000 readings as fast as it answers,
restart it on the same database, and check after every kill that each reading the server acknowledged
is stored (sent again, every one is a duplicate), that each acknowledged excursion of a probe point
raised exactly one alarm (none twice, none left out), and that the audit chain is intact. Readings
accumulate over the trials, so the later kills fall on a file holding both the log and written-out
blocks; the script prints how many of each after every trial.

usage: bench/kill9_ingest.py BINARY [--trials 20] [--clients 4] [--points 500] [--database-url postgres://…/empty_db]
Loopback only; each trial stops by itself (a kill 0.5–2 s after the first answer).
"""
import argparse
import http.client
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from datetime import datetime, timedelta, timezone

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "e2e"))
from processes import assert_audit_intact, free_port, start_server  # noqa: E402

PASSWORD = "fault-test-password"
BEIJING = timezone(timedelta(hours=8))
BATCH = 1000


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("binary")
    ap.add_argument("--trials", type=int, default=20)
    ap.add_argument("--clients", type=int, default=4)
    ap.add_argument("--points", type=int, default=500)
    ap.add_argument("--database-url", help="a PostgreSQL database to empty and use instead of a SQLite file")
    args = ap.parse_args()
    pg = args.database_url
    binary = os.path.abspath(args.binary)
    work = tempfile.mkdtemp(prefix="zhiben-kill9-ingest-")
    db = os.path.join(work, "ingest.sqlite")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    if pg:
        subprocess.run(["psql", pg, "-qc", "DROP SCHEMA public CASCADE; CREATE SCHEMA public"], check=True, stderr=subprocess.DEVNULL)
    url = pg or "sqlite://" + db
    env = dict(os.environ, DATABASE_URL=url, ZHIBEN_DEMO_PASSWORD=PASSWORD, ZHIBEN_DEMO_ENTERPRISES="12", ZHIBEN_SIMULATE="false",
               ZHIBEN_MAX_BODY="20mb")
    def start():
        return start_server(binary, work, port, env, marker="Zhiben")

    def call(method, path, body=None, token=None, timeout=60):
        req = urllib.request.Request(base + "/api/v1" + path, method=method, data=json.dumps(body).encode() if body is not None else None,
                                     headers={"Content-Type": "application/json", **({"Authorization": "Bearer " + token} if token else {})})
        with urllib.request.urlopen(req, timeout=timeout) as res:
            return json.load(res)

    def stamp(t):
        return t.astimezone(BEIJING).isoformat(timespec="seconds")

    server = start()
    city = call("POST", "/session", {"username": "city", "password": PASSWORD})["token"]
    enterprise = call("GET", "/enterprises?per=1&sort=name", token=city)["items"][0]
    company = call("POST", "/session", {"username": "ent-" + enterprise["creditCode"].lower(), "password": PASSWORD})["token"]
    for i in range(args.points):
        call("POST", "/monitoring-points", {"code": "F-%04d" % i, "name": "点位 %d" % i, "indicator": "DUST-DRY-HOPPER-TEMP", "interval": 3600,
                                            "limits": {"high": 70, "highHigh": 90}}, company)
    probe = call("POST", "/monitoring-points", {"code": "F-PROBE", "name": "探针", "indicator": "DUST-DRY-HOPPER-TEMP", "interval": 3600,
                                                "limits": {"high": 70, "highHigh": 90}}, company)
    key = call("POST", "/api-keys", {"name": "fault", "enterpriseCreditCode": enterprise["creditCode"]},
               call("POST", "/session", {"username": "admin", "password": PASSWORD})["token"])["key"]
    county = call("POST", "/session", {"username": "county-" + enterprise["countyCode"], "password": PASSWORD})["token"]
    # Every batch is one second of the points' readings; batch n of the whole run (over every trial) is
    # second n after the start. The probe has a gateway of its own that sends one reading at a time, in
    # order (the engine takes each point's readings in time order): past its limit every other reading,
    # so that each excursion is one alarm.
    start_time = datetime.now(timezone.utc).replace(microsecond=0) - timedelta(hours=20)

    def batch(n):
        return [{"point": "F-%04d" % (k % args.points), "ts": (start_time + timedelta(seconds=n, milliseconds=k // args.points)).astimezone(BEIJING).isoformat(timespec="milliseconds"),
                 "value": round(40 + (n * 7 + k) % 100 / 10, 1)} for k in range(BATCH)]

    def probe_reading(m):
        return {"point": "F-PROBE", "ts": stamp(start_time + timedelta(seconds=m)), "value": 95.0 if m % 2 == 0 else 30.0}

    acknowledged = set()
    excursions = set()
    next_batch = 0
    next_probe = 0
    in_flight_stamps = set()
    lost_total = 0
    server.terminate()
    server.wait()
    for trial in range(args.trials):
        server = start()
        lock = threading.Lock()
        counter = [next_batch]
        acked, errors = [], []

        def client():
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            while True:
                with lock:
                    n = counter[0]
                    counter[0] += 1
                body = json.dumps({"readings": batch(n)})
                try:
                    conn.request("POST", "/api/v1/telemetry", body=body, headers={"Authorization": "Bearer " + key, "Content-Type": "application/json"})
                    res = conn.getresponse()
                    data = res.read()
                except (ConnectionError, OSError, http.client.HTTPException):
                    return  # the server is gone
                answer = json.loads(data) if res.status == 200 else None
                if answer is None or answer["accepted"] != BATCH:
                    with lock:
                        errors.append((res.status, data[:300]))
                    return
                with lock:
                    acked.append(n)

        probed = []

        def prober():
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            m = next_probe
            while True:
                try:
                    conn.request("POST", "/api/v1/telemetry", body=json.dumps({"readings": [probe_reading(m)]}),
                                 headers={"Authorization": "Bearer " + key, "Content-Type": "application/json"})
                    res = conn.getresponse()
                    data = res.read()
                except (ConnectionError, OSError, http.client.HTTPException):
                    return
                # The first one is the reading in flight at the last kill, sent again: stored already or not.
                if res.status != 200 or json.loads(data)["accepted"] + json.loads(data)["duplicates"] != 1 or (m > next_probe and json.loads(data)["accepted"] != 1):
                    with lock:
                        errors.append((res.status, data[:300]))
                    return
                probed.append(m)
                m += 1

        threads = [threading.Thread(target=client) for _ in range(args.clients)] + [threading.Thread(target=prober)]
        for t in threads:
            t.start()
        # The kill falls 0.5–2 s into the load, counted from the first answer (a restart reads its log
        # back and restores the engine's points before its first answer).
        deadline = time.time() + 60
        while not acked and not errors and time.time() < deadline:
            time.sleep(0.01)
        time.sleep(random.uniform(0.5, 2.0))
        os.kill(server.pid, signal.SIGKILL)
        server.wait()
        for t in threads:
            t.join()
        assert not errors, errors[:3]
        next_batch = counter[0] + 1
        # The probe's reading in flight at the kill may have been stored or not: the next trial sends it
        # again first (a gateway that got no answer sends again), so that the engine sees every reading.
        in_flight = (probed[-1] + 1) if probed else next_probe
        next_probe = in_flight
        in_flight_stamps.add(stamp(start_time + timedelta(seconds=in_flight)))
        acknowledged.update(acked)
        excursions.update(m for m in probed if m % 2 == 0)
        if pg:
            def one(q):
                return subprocess.run(["psql", pg, "-tAc", q], check=True, capture_output=True, text=True).stdout.strip().split("|")
            logged = int(one("SELECT COUNT(*) FROM reading_log")[0])
            blocks = [int(x) for x in one("SELECT COUNT(*), COALESCE(SUM(n), 0) FROM reading_blocks")]
        else:
            con = sqlite3.connect(db)
            logged = con.execute("SELECT COUNT(*) FROM reading_log").fetchone()[0]
            blocks = con.execute("SELECT COUNT(*), COALESCE(SUM(n), 0) FROM reading_blocks").fetchone()
            con.close()

        # Restarted: every acknowledged batch sent again is all duplicates.
        server = start()
        lost = 0
        for n in sorted(acked):
            answer = call("POST", "/telemetry", {"readings": batch(n)}, key)
            lost += answer["accepted"]
        lost_total += lost
        # Each acknowledged excursion raised one alarm; the reading in flight at the kill may have been
        # stored without its answer, and may have raised one too. A reading that arrived while the
        # restarted server was still taking over the engine's leases is stored with its batch waiting for
        # the engine, and evaluated by the background pass within seconds.
        expected = {stamp(start_time + timedelta(seconds=n)) for n in excursions}
        deadline = time.time() + 20
        while True:
            raised = [a["raisedAt"] for a in call("GET", "/alarms?point=%s&condition=high&per=200&page=1" % probe["id"], token=county)["items"]]
            pages = 1
            while len(raised) == 200 * pages:
                pages += 1
                raised += [a["raisedAt"] for a in call("GET", "/alarms?point=%s&condition=high&per=200&page=%d" % (probe["id"], pages), token=county)["items"]]
            if expected <= set(raised) or time.time() > deadline:
                break
            time.sleep(0.5)
        assert len(raised) == len(set(raised)), "an excursion raised twice"
        missing = expected - set(raised)
        extra = set(raised) - expected
        server.terminate()
        server.wait()
        print(f"trial {trial + 1}: killed after {len(acked)} acknowledged batches ({len(acked) * BATCH} readings); at the kill the database held "
              f"{logged} log rows and {blocks[0]} blocks ({blocks[1]} readings); after the restart {lost} acknowledged readings missing, "
              f"{len(expected)} acknowledged excursions so far: {len(missing)} without their alarm, {len(extra)} of the {trial + 1} readings in flight at a kill stored and alarmed", flush=True)
        assert lost == 0 and not missing and extra <= in_flight_stamps, (lost, sorted(missing)[:3], sorted(extra)[:3])
        assert_audit_intact(binary, work, url, f"trial {trial + 1}: audit chain intact")
    print(f"{args.trials} kills during ingest at full speed: {len(acknowledged)} batches ({len(acknowledged) * BATCH} readings) acknowledged, "
          f"{lost_total} lost; alarms once each; audit chain intact")
    subprocess.run(["rm", "-rf", work])


if __name__ == "__main__":
    main()
