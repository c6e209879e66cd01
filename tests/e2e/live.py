"""Helpers of the e2e tests that run the hub as a user would: a fresh checkout copy, a local receiver."""

import http.server
import os
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tests.support.processes import free_port  # noqa: F401 (used here and by importers)

ROOT = Path(__file__).resolve().parent.parent.parent


def fresh_checkout(dest: Path) -> Path:
    """Copy the files git tracks (and new, unignored ones) to `dest`, as a fresh clone has them; share the venv."""
    listed = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=ROOT, check=True, capture_output=True
    ).stdout.split(b"\0")
    for name in filter(None, listed):
        source = ROOT / name.decode()
        if source.is_file():
            target = dest / name.decode()
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    (dest / ".venv").symlink_to((ROOT / ".venv").resolve())
    return dest


def wait_until(check: Callable[[], Any], *, timeout: float, what: str) -> Any:
    """Return check()'s first truthy answer, polling; fail naming `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.2)
    raise AssertionError(f"Timed out after {timeout} s waiting for {what}.")


@contextmanager
def embedded_run(checkout: Path, *, port: int, log: Path) -> Iterator[tuple[subprocess.Popen, list[str]]]:
    """Start `scripts/run.sh` (what `make run` runs once the venv exists) with no DATABASE_URL/REDIS_URL."""
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL"}}
    env.update({"HOST": "127.0.0.1", "PORT": str(port)})
    lines: list[str] = []
    with log.open("w") as sink:
        proc = subprocess.Popen(
            ["scripts/run.sh"],
            cwd=checkout,
            env=env,
            stdout=subprocess.PIPE,
            stderr=sink,
            text=True,
            start_new_session=True,  # its own process group: the web server, worker and beat stop with it
        )

        def read() -> None:
            assert proc.stdout is not None
            for line in proc.stdout:
                lines.append(line.rstrip("\n"))

        threading.Thread(target=read, daemon=True).start()
        try:
            yield proc, lines
        finally:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


class Receiver:
    """A loopback HTTP server recording what is POSTed to it (a partner's webhook receiver)."""

    def __init__(self) -> None:
        self.received: list[tuple[dict[str, str], bytes]] = []
        received = self.received

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                received.append(({k.lower(): v for k, v in self.headers.items()}, body))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
