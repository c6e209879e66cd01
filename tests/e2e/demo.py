"""The running demo for e2e tests: `make run`'s script from a fresh checkout, and what its banner prints."""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests

from tests.e2e.live import embedded_run, free_port, fresh_checkout, wait_until


@dataclass(frozen=True)
class Demo:
    base: str  # http://127.0.0.1:<port>
    checkout: Path
    api_key: str
    owner: tuple[str, str]  # username, password
    operator: tuple[str, str]

    @property
    def headers(self) -> dict[str, str]:
        return {"X-API-Key": self.api_key}

    def owner_jwt(self) -> str:
        username, password = self.owner
        answer = requests.post(
            f"{self.base}/api/v1/auth/token/", json={"username": username, "password": password}, timeout=10
        )
        assert answer.status_code == 200, answer.text
        return answer.json()["access"]


def _printed(lines: list[str], label: str) -> str:
    line = next(line for line in lines if label in line)
    return line.split(label, 1)[1].strip()


@contextmanager
def running_demo(tmp: Path) -> Iterator[Demo]:
    """Start the embedded demo (SQLite, filesystem broker, worker, beat) and wait until it answers the printed key."""
    checkout = fresh_checkout(tmp / "hub")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with embedded_run(checkout, port=port, log=tmp / "run.log") as (proc, lines):
        wait_until(
            lambda: any("Demo API key" in line for line in lines) or proc.poll() is not None,
            timeout=240,
            what="the credentials banner",
        )
        assert proc.poll() is None, (tmp / "run.log").read_text()[-3000:]
        key = _printed(lines, "Demo API key (all scopes):")
        # "Admin: <url>   operator admin / <password>" and "Demo owner:  <user> / <password>  (company ...)"
        operator = _printed(lines, "operator ").split(" / ")
        owner = _printed(lines, "Demo owner:").split("  (")[0].split(" / ")

        def up() -> bool:
            try:
                answer = requests.get(f"{base}/api/v1/auth/me/", headers={"X-API-Key": key}, timeout=5)
            except requests.ConnectionError:
                return False
            return answer.status_code == 200

        wait_until(up, timeout=90, what="the web server to answer with the printed key")
        yield Demo(
            base=base,
            checkout=checkout,
            api_key=key,
            owner=(owner[0].strip(), owner[1].strip()),
            operator=(operator[0].strip(), operator[1].strip()),
        )
