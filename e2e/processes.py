"""Shared pieces of the tests that run server processes themselves (fault, two-instance and outage
tests): a free loopback port, and the audit chain checked by the `zhiben audit verify` command."""
import os
import socket
import subprocess


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def assert_audit_intact(binary, cwd, database_url, what="audit chain intact"):
    """Runs `zhiben audit verify` on the database and fails unless it says OK."""
    verify = subprocess.run([binary, "audit", "verify"], cwd=cwd, env=dict(os.environ, DATABASE_URL=database_url), capture_output=True, text=True)
    assert verify.stdout.startswith("OK"), verify.stdout + verify.stderr
    print(what + ": " + verify.stdout.strip())
