"""Two server processes on one PostgreSQL database, as a deployment behind a load balancer runs them.
A gateway's batches go to either instance; each enterprise's alarm engine runs on the one instance
holding its lease. Checked: every excursion raises exactly one alarm and each return to normal clears
it, whichever instance received the readings; when the holder is killed (-9) the other takes over
after the lease expires and evaluates what was stored meanwhile; silence raises one offline alarm, not
two; when the holder stops cleanly, the other takes over at once; the audit chain is intact.

usage: python3 e2e/two_instances.py BINARY POSTGRES_URL   (a server URL whose user may create databases;
loopback only; stops by itself within a few minutes)
"""
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import datetime, timedelta, timezone

from processes import assert_audit_intact, free_port

BIN = os.path.abspath(sys.argv[1])
SERVER_URL = sys.argv[2].rstrip("/")
PASSWORD = "two-instances-password"
WORK = tempfile.mkdtemp(prefix="zhiben-two-")
DBNAME = "zhiben_two_%d" % os.getpid()
DB_URL = SERVER_URL.rsplit("/", 1)[0] + "/" + DBNAME
LEASE = 15  # seconds: AlarmService.leaseTTL


class Instance:
    def __init__(self, name):
        self.name = name
        self.port = free_port()
        self.base = "http://127.0.0.1:%d" % self.port
        self.proc = None

    def start(self):
        env = dict(os.environ, DATABASE_URL=DB_URL, ZHIBEN_DEMO_PASSWORD=PASSWORD, ZHIBEN_DEMO_ENTERPRISES="12", ZHIBEN_SIMULATE="false")
        log = open(os.path.join(WORK, self.name + ".log"), "a")
        self.proc = subprocess.Popen([BIN, "serve", "--hostname", "127.0.0.1", "--port", str(self.port)], cwd=WORK, env=env,
                                     stdout=log, stderr=subprocess.STDOUT)
        for _ in range(240):
            try:
                with urllib.request.urlopen(self.base + "/readyz", timeout=2) as r:
                    if r.status == 200 and "Zhiben" in open(os.path.join(WORK, self.name + ".log")).read():
                        return self
            except (urllib.error.URLError, ConnectionError, OSError):
                pass
            time.sleep(0.5)
        raise SystemExit("%s did not start:\n%s" % (self.name, open(os.path.join(WORK, self.name + ".log")).read()[-3000:]))

    def call(self, method, path, token=None, body=None):
        req = urllib.request.Request(self.base + path, method=method, data=json.dumps(body).encode() if body is not None else None,
                                     headers={"Content-Type": "application/json", **({"Authorization": "Bearer " + token} if token else {})})
        with urllib.request.urlopen(req, timeout=30) as res:
            return json.load(res)

    def kill(self):
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=30)


def stamp(t):
    return t.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def wait_for(what, check, seconds):
    deadline = time.time() + seconds
    while time.time() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.25)
    raise AssertionError("gave up waiting for " + what)


def main():
    subprocess.run(["psql", SERVER_URL, "-q", "-c", "CREATE DATABASE " + DBNAME], check=True)
    a, b = Instance("a"), Instance("b")
    try:
        a.start()  # migrates and seeds; b then finds the database in use
        b.start()
        city = a.call("POST", "/api/v1/session", body={"username": "city", "password": PASSWORD})["token"]
        enterprise = a.call("GET", "/api/v1/enterprises?per=1&sort=name", city)["items"][0]
        company = a.call("POST", "/api/v1/session", body={"username": "ent-" + enterprise["creditCode"].lower(), "password": PASSWORD})["token"]
        point = a.call("POST", "/api/v1/monitoring-points", company, {"code": "TWO-1", "name": "双实例测试温度", "indicator": "DUST-DRY-HOPPER-TEMP",
                                                                       "interval": 2, "limits": {"high": 50, "highHigh": 80}})
        admin = a.call("POST", "/api/v1/session", body={"username": "admin", "password": PASSWORD})["token"]
        key = a.call("POST", "/api/v1/api-keys", admin, {"name": "two", "enterpriseCreditCode": enterprise["creditCode"]})["key"]
        county = a.call("POST", "/api/v1/session", body={"username": "county-" + enterprise["countyCode"], "password": PASSWORD})["token"]

        excursions = []  # each excursion's value, different every time: an alarm names the value it was raised at
        last = [datetime.now(timezone.utc)]

        def send(instance, excursion):
            ts = max(datetime.now(timezone.utc), last[0] + timedelta(milliseconds=1))
            last[0] = ts
            value = 81.0 + len(excursions) if excursion else 30.0
            answer = instance.call("POST", "/api/v1/telemetry", key, {"readings": [{"point": "TWO-1", "ts": stamp(ts), "value": value}]})
            assert answer["accepted"] == 1, answer
            if excursion:
                excursions.append("%d" % value)
            time.sleep(0.05)

        def alarms(condition):
            return b.call("GET", "/api/v1/alarms?point=%s&condition=%s&per=200" % (point["id"], condition), county)["items"]

        def settled():
            """Every excursion sent raised one alarm, at its own value, and each is back to normal."""
            high = alarms("high")
            return sorted(x["raisedValue"] for x in high) == sorted(excursions) and all(x.get("normalAt") for x in high)

        # 1. Both up: batches alternate between the instances; excursions on either side.
        for i in range(40):
            send(a if i % 2 == 0 else b, i % 10 in (3, 6))
        wait_for("each excursion once, all cleared, with both instances up", settled, 10)
        print("both up: %d excursions through two instances, %d alarms, each once and cleared" % (len(excursions), len(alarms("high"))))

        # 2. The holder (a, which started first) is killed; the gateway goes on through b. b takes the
        #    enterprise once the lease expires and evaluates what it stored meanwhile.
        a.kill()
        killed = time.time()
        for i in range(20):
            send(b, i in (4, 12))
        wait_for("b to take over and evaluate the batches stored meanwhile", settled, LEASE + 15)
        print("a killed: b took over after %.1f s; %d alarms, each once" % (time.time() - killed, len(alarms("high"))))

        # 3. The gateway falls silent: one offline alarm (raised by the holder only).
        wait_for("the offline alarm", lambda: alarms("offline"), 40)
        time.sleep(2)
        assert len(alarms("offline")) == 1, alarms("offline")
        send(b, False)
        wait_for("the silence to end", lambda: all(x.get("normalAt") for x in alarms("offline")), 10)
        print("silence: one offline alarm, cleared by the next reading")

        # 4. a comes back; b holds the enterprise, so what a receives waits for b.
        a.start()
        for i in range(10):
            send(a, i == 5)
        wait_for("b to evaluate what a stored", settled, 10)
        # 5. b stops cleanly and gives its leases up: a takes over at once, not after the lease expires.
        stopped = time.time()
        b.stop()
        b.base = a.base  # reads go to a from now on
        for i in range(10):
            send(a, i == 2)
        wait_for("a to take over after b stopped cleanly", settled, 10)
        assert time.time() - stopped < LEASE, "a took over only after the lease expired"
        high = alarms("high")
        assert len(high) == len(excursions) and sorted(x["raisedValue"] for x in high) == sorted(excursions), "none twice, none missed"
        print("b stopped: a took over in %.1f s; %d excursions in all, %d alarms, none twice, none missed"
              % (time.time() - stopped, len(excursions), len(high)))
    finally:
        a.stop()
        b.stop()
    assert_audit_intact(BIN, WORK, DB_URL)


if __name__ == "__main__":
    try:
        main()
    finally:
        subprocess.run(["psql", SERVER_URL, "-q", "-c", "DROP DATABASE IF EXISTS " + DBNAME])
        subprocess.run(["rm", "-rf", WORK])
