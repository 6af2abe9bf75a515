"""Fault test: `kill -9` the server while a gateway streams batches of readings, restart it on the same
database, and check that every batch the server acknowledged is there (sent again, each reading is a
duplicate), that the alarms are consistent (each excursion the server acknowledged raised exactly one
alarm, none twice after the restart, none left out), and that the audit chain is intact.

usage: python3 e2e/fault_kill9.py BINARY   (loopback only; stops by itself within a few minutes)
"""
import json
import os
import signal
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
PASSWORD = "fault-test-password"
WORK = tempfile.mkdtemp(prefix="zhiben-kill9-")
DB = os.path.join(WORK, "kill9.sqlite")
PORT = free_port()
BASE = "http://127.0.0.1:%d" % PORT
BATCH = 200
BEIJING = timezone(timedelta(hours=8))


def start():
    env = dict(os.environ, DATABASE_URL="sqlite://" + DB, ZHIBEN_DEMO_PASSWORD=PASSWORD, ZHIBEN_DEMO_ENTERPRISES="12", ZHIBEN_SIMULATE="false")
    log = open(os.path.join(WORK, "server.log"), "a")
    proc = subprocess.Popen([BIN, "serve", "--hostname", "127.0.0.1", "--port", str(PORT)], cwd=WORK, env=env, stdout=log, stderr=subprocess.STDOUT)
    for _ in range(240):
        try:
            with urllib.request.urlopen(BASE + "/readyz", timeout=2) as r:
                if r.status == 200 and "Zhiben" in open(os.path.join(WORK, "server.log")).read():
                    return proc
        except (urllib.error.URLError, ConnectionError, OSError):
            pass
        time.sleep(0.5)
    raise SystemExit("the server did not start:\n" + open(os.path.join(WORK, "server.log")).read()[-3000:])


def call(method, path, token=None, body=None, timeout=30):
    req = urllib.request.Request(BASE + path, method=method, data=json.dumps(body).encode() if body is not None else None,
                                 headers={"Content-Type": "application/json", **({"Authorization": "Bearer " + token} if token else {})})
    with urllib.request.urlopen(req, timeout=timeout) as res:
        return json.load(res)


def token(user):
    return call("POST", "/api/v1/session", body={"username": user, "password": PASSWORD})["token"]


def stamp(t):
    return t.astimezone(BEIJING).isoformat(timespec="seconds")


def batch(i, base):
    """Batch i: BATCH readings a second apart; every tenth batch (i % 10 == 5) is past the high-high limit."""
    value = 90.0 if i % 10 == 5 else 30.0
    return [{"point": "K9-1", "ts": stamp(base + timedelta(seconds=i * BATCH + j)), "value": value} for j in range(BATCH)]


def main():
    server = start()
    city = token("city")
    enterprise = call("GET", "/api/v1/enterprises?per=1&sort=name", city)["items"][0]
    company = token("ent-" + enterprise["creditCode"].lower())
    point = call("POST", "/api/v1/monitoring-points", company, {"code": "K9-1", "name": "故障测试温度", "indicator": "DUST-DRY-HOPPER-TEMP",
                                                                 "interval": 1, "limits": {"high": 50, "highHigh": 80}})
    key = call("POST", "/api/v1/api-keys", token("admin"), {"name": "fault", "enterpriseCreditCode": enterprise["creditCode"]})["key"]
    base = datetime.now(timezone.utc).replace(microsecond=0) - timedelta(hours=20)

    acked = []
    stop = threading.Event()

    def stream():
        i = 0
        while not stop.is_set() and i < 400:
            try:
                answer = call("POST", "/api/v1/telemetry", key, {"readings": batch(i, base)}, timeout=10)
            except (urllib.error.URLError, ConnectionError, OSError, json.JSONDecodeError):
                return  # the server is gone
            assert answer["accepted"] == BATCH, answer
            acked.append(i)
            i += 1

    client = threading.Thread(target=stream)
    client.start()
    while len(acked) < 60 and client.is_alive():
        time.sleep(0.01)
    os.kill(server.pid, signal.SIGKILL)
    server.wait()
    stop.set()
    client.join()
    print("killed the server after %d acknowledged batches (%d readings)" % (len(acked), len(acked) * BATCH))
    assert len(acked) >= 60, "the stream ended before the kill"

    server = start()
    try:
        # Every acknowledged reading is stored: sent again, all are duplicates.
        for chunk in range(0, len(acked), 40):
            readings = [r for i in acked[chunk:chunk + 40] for r in batch(i, base)]
            answer = call("POST", "/api/v1/telemetry", key, {"readings": readings})
            assert answer["duplicates"] == len(readings) and answer["accepted"] == 0, answer
        # Each acknowledged excursion raised exactly one alarm.
        county = token("county-" + enterprise["countyCode"])

        def alarms():
            # The readings are hours old, so the point may also be found silent (offline): only the limit alarms count here.
            out = call("GET", "/api/v1/alarms?point=%s&condition=high&per=200" % point["id"], county)
            return out["items"]

        raised = sorted(a["raisedAt"] for a in alarms())
        expected = sorted(stamp(base + timedelta(seconds=i * BATCH)) for i in acked if i % 10 == 5)
        last = max(acked) + 1
        # The batch in flight at the kill may have been stored without its answer: its alarm may be there.
        maybe = stamp(base + timedelta(seconds=last * BATCH)) if last % 10 == 5 else None
        assert [r for r in raised if r != maybe] == expected, (raised, expected)
        # After the restart the engine goes on from the stored state: one more excursion, one alarm; then normal.
        n = len(raised)
        call("POST", "/api/v1/telemetry", key, {"readings": batch(last + 10 - (last % 10) + 5, base)})
        call("POST", "/api/v1/telemetry", key, {"readings": batch(last + 10 - (last % 10) + 6, base)})
        after = alarms()
        assert len(after) == n + 1, "one excursion after the restart, one alarm (%d → %d)" % (n, len(after))
        assert len({a["raisedAt"] for a in after}) == len(after), "no alarm raised twice"
        assert all(a["normalAt"] for a in after), "every alarm back to normal with the last batch"
        print("after the restart: %d acknowledged batches all stored, %d alarms, each excursion once" % (len(acked), len(after)))
    finally:
        server.terminate()
        server.wait()
    assert_audit_intact(BIN, WORK, "sqlite://" + DB, "audit chain intact after the kill")


if __name__ == "__main__":
    try:
        main()
    finally:
        subprocess.run(["rm", "-rf", WORK])
