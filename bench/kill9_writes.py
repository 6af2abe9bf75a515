#!/usr/bin/env python3
"""Fault test: `kill -9` the server while 16 clients report hazards as fast as it answers (grouped
audited writes), restart it on the same database, and check after every kill that each report the
server acknowledged is stored with its own audit entry, and that the audit chain is intact.

usage: bench/kill9_writes.py BINARY [--trials 20] [--clients 16]
Loopback only; each trial stops by itself (a kill after 0.5–2 s of load).
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
import uuid

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "e2e"))
from processes import assert_audit_intact, free_port, start_server  # noqa: E402

PASSWORD = "fault-test-password"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("binary")
    ap.add_argument("--trials", type=int, default=20)
    ap.add_argument("--clients", type=int, default=16)
    args = ap.parse_args()
    binary = os.path.abspath(args.binary)
    work = tempfile.mkdtemp(prefix="zhiben-kill9-writes-")
    db = os.path.join(work, "writes.sqlite")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = dict(os.environ, DATABASE_URL="sqlite://" + db, ZHIBEN_DEMO_PASSWORD=PASSWORD, ZHIBEN_SEED_DEMO="false", ZHIBEN_SIMULATE="false")
    subprocess.run([binary, "seed-demo", "--enterprises", "20", "--hazards", "0"], env=env, cwd=work, check=True, stdout=subprocess.DEVNULL)

    def start():
        return start_server(binary, work, port, env, wait_s=60)

    def call(method, path, body=None, token=None):
        req = urllib.request.Request(base + "/api/v1" + path, method=method, data=json.dumps(body).encode() if body is not None else None,
                                     headers={"Content-Type": "application/json", **({"Authorization": "Bearer " + token} if token else {})})
        with urllib.request.urlopen(req, timeout=30) as res:
            return json.load(res)

    acknowledged = []
    total_lost = 0
    for trial in range(args.trials):
        server = start()
        token = call("POST", "/session", {"username": "city", "password": PASSWORD})["token"]
        enterprises = [e["id"] for e in call("GET", "/enterprises?per=20", token=token)["items"]]
        acked, errors = [], []
        lock = threading.Lock()

        def client(i):
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            n = 0
            while True:
                n += 1
                body = json.dumps({"enterpriseId": random.choice(enterprises), "title": f"断电测试 {trial}-{i}-{n}", "source": "inspection"})
                try:
                    conn.request("POST", "/api/v1/hazards", body=body,
                                 headers={"Authorization": "Bearer " + token, "Content-Type": "application/json"})
                    res = conn.getresponse()
                    data = res.read()
                except (ConnectionError, OSError, http.client.HTTPException):
                    return  # the server is gone
                if res.status != 201:
                    with lock:
                        errors.append((res.status, data[:300]))
                    return
                with lock:
                    acked.append(json.loads(data)["id"])

        threads = [threading.Thread(target=client, args=(i,)) for i in range(args.clients)]
        for t in threads:
            t.start()
        time.sleep(random.uniform(0.5, 2.0))
        os.kill(server.pid, signal.SIGKILL)
        server.wait()
        for t in threads:
            t.join()
        assert not errors, errors[:3]
        acknowledged += acked
        # Read the file as the next start will (SQLite recovers the write-ahead log on opening).
        con = sqlite3.connect(db)
        stored = {str(uuid.UUID(bytes=r[0])) if isinstance(r[0], bytes) else r[0].lower() for r in con.execute("SELECT id FROM hazards")}
        audited = {r[0].lower() for r in con.execute("SELECT entity_id FROM audit_log WHERE entity_type = 'hazard' AND action = 'create'")}
        con.close()
        lost = [a for a in acknowledged if a.lower() not in stored]
        unaudited = [a for a in acknowledged if a.lower() not in audited]
        total_lost += len(lost) + len(unaudited)
        print(f"trial {trial + 1}: killed after {len(acked)} acknowledged reports; all {len(acknowledged)} so far stored: {not lost}, "
              f"each with its audit entry: {not unaudited}", flush=True)
        assert not lost and not unaudited, (lost[:3], unaudited[:3])
        assert_audit_intact(binary, work, "sqlite://" + db, f"trial {trial + 1}: audit chain intact")
    print(f"{args.trials} kills during audited writes: {len(acknowledged)} reports acknowledged, {total_lost} lost, audit chain intact")
    subprocess.run(["rm", "-rf", work])


if __name__ == "__main__":
    main()
