"""Shared pieces of the tests that run server processes themselves (fault, two-instance and outage
tests): a free loopback port, a server started and waited for, and the audit chain checked by the
`zhiben audit verify` command."""
import os
import socket
import subprocess
import time
import urllib.error
import urllib.request


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def start_server(binary, work, port, env, marker=None, wait_s=120):
    """`zhiben serve` on 127.0.0.1:port in `work`, its output appended to work/server.log; returns the
    process once /readyz answers (and the log holds `marker`, when given)."""
    log_path = os.path.join(work, "server.log")
    proc = subprocess.Popen([binary, "serve", "--hostname", "127.0.0.1", "--port", str(port)], cwd=work, env=env,
                            stdout=open(log_path, "a"), stderr=subprocess.STDOUT)
    deadline = time.time() + wait_s
    while time.time() < deadline:
        try:
            with urllib.request.urlopen("http://127.0.0.1:%d/readyz" % port, timeout=2) as r:
                if r.status == 200 and (marker is None or marker in open(log_path).read()):
                    return proc
        except (urllib.error.URLError, ConnectionError, OSError):
            pass
        time.sleep(0.2)
    raise SystemExit("the server did not start:\n" + open(log_path).read()[-3000:])


def assert_audit_intact(binary, cwd, database_url, what="audit chain intact"):
    """Runs `zhiben audit verify` on the database and fails unless it says OK."""
    verify = subprocess.run([binary, "audit", "verify"], cwd=cwd, env=dict(os.environ, DATABASE_URL=database_url), capture_output=True, text=True)
    assert verify.stdout.startswith("OK"), verify.stdout + verify.stderr
    print(what + ": " + verify.stdout.strip())
