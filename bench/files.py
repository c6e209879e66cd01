"""1 MB uploads/s through POST /api/v1/files to S3 (moto_server) vs boto3.put_object of the same bytes, and memory.

Both sides upload the same 1 MB of bytes to the same moto_server in the same run, one request at a
time (so the emulator, not concurrency, sets the pace for both). The API path runs in gunicorn (1
sync worker) against PostgreSQL and Redis. Memory: the worker's peak RSS (VmHWM, reset before the
upload through /proc/<pid>/clear_refs) during one 100 MB upload sent as a stream.
Goals: ratio >= 0.7, memory growth during the upload <= 20 MB.
Run: make bench  (or scripts/with_services.sh .venv/bin/python bench/files.py)
"""

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import Gunicorn, django_setup, emit, free_port, log, use_bench_database  # noqa: E402

DURATION = float(os.environ.get("BENCH_DURATION", "8"))
MB = 1024 * 1024
BIG_MB = int(os.environ.get("BENCH_FILES_BIG_MB", "100"))
BOUNDARY = "benchboundary0123456789"


def _rss_kb(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def _worker_pid(master: int) -> int:
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return int(children[0])


class _StreamedBody:
    """A multipart body of `size` file bytes, generated as read (never whole in the client); has a length."""

    def __init__(self, size: int) -> None:
        head = (
            (
                f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="category"\r\n\r\narchives\r\n'
                f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="big.zip"\r\n'
                "Content-Type: application/zip\r\n\r\n"
            ).encode()
            + b"PK\x03\x04\x14\x00"
            + b"\x00" * 24
        )
        self.tail = f"\r\n--{BOUNDARY}--\r\n".encode()
        self.pending = head
        self.left = size - 30
        self.block = os.urandom(MB)
        self.length = len(head) + self.left + len(self.tail)

    def __len__(self) -> int:
        return self.length

    def read(self, n: int = -1) -> bytes:
        if not self.pending and self.left > 0:
            take = min(self.left, MB)
            self.pending, self.left = self.block[:take], self.left - take
            if self.left == 0:
                self.pending += self.tail
        out, self.pending = self.pending[: n if n > 0 else None], self.pending[n if n > 0 else len(self.pending) :]
        return out


def main() -> None:
    use_bench_database("bench_files")
    moto_port = free_port()
    endpoint = f"http://127.0.0.1:{moto_port}"
    moto = subprocess.Popen(
        [str(Path(sys.executable).parent / "moto_server"), "-H", "127.0.0.1", "-p", str(moto_port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.environ["HUB_ALLOW_LOCAL_TARGETS"] = "1"
    os.environ["FILES_MAX_UPLOAD_BYTES"] = str((BIG_MB + 10) * MB)
    django_setup()
    import boto3
    import requests

    from accounts import services as accounts
    from integrations import services as integrations

    deadline = time.time() + 30
    while True:
        try:
            requests.get(endpoint, timeout=1)
            break
        except requests.RequestException:
            if time.time() > deadline:
                raise
            time.sleep(0.1)
    bucket = f"bench-{uuid.uuid4().hex[:8]}"
    s3 = boto3.client(
        "s3", endpoint_url=endpoint, aws_access_key_id="k", aws_secret_access_key="s", region_name="us-east-1"
    )
    s3.create_bucket(Bucket=bucket)
    company = accounts.company_create(name="Bench Files", slug="bench-files")
    _, raw = accounts.api_key_create(company=company, name="bench", scopes=["files:write"], rate_limit=10**9)
    integrations.integration_create(
        company_id=company.id,
        name="bench s3",
        provider="s3",
        config={
            "bucket": bucket,
            "endpointUrl": endpoint,
            "accessKeyId": "k",
            "secretAccessKey": "s-0123456789",
            "pathStyle": True,
        },
    )
    data = b"%PDF-1.7\n" + os.urandom(MB - 9)
    results: dict[str, list[float]] = {"api": [], "boto3": []}
    try:
        with Gunicorn(
            workers=1,
            env={"HUB_ALLOW_LOCAL_TARGETS": "1", "FILES_MAX_UPLOAD_BYTES": os.environ["FILES_MAX_UPLOAD_BYTES"]},
            args=["--timeout", "300"],
        ) as server:
            http = requests.Session()
            headers = {"X-API-Key": raw}

            def api_once() -> bool:
                files = {"file": ("doc.pdf", data, "application/pdf")}
                answer = http.post(
                    f"{server.url}/api/v1/files", headers=headers, files=files, data={"category": "documents"}
                )
                return answer.status_code == 201

            def boto_once() -> bool:
                s3.put_object(Bucket=bucket, Key=f"baseline/{uuid.uuid4().hex}", Body=data)
                return True

            for once in (api_once, boto_once):
                for _ in range(5):
                    assert once(), "warm-up upload failed"
            for _ in range(2):  # alternate so drift hits both
                for name, once in (("api", api_once), ("boto3", boto_once)):
                    ok, started = 0, time.perf_counter()
                    while time.perf_counter() - started < DURATION:
                        ok += once()
                    rps = ok / (time.perf_counter() - started)
                    log(name, round(rps, 1))
                    results[name].append(rps)
            worker = _worker_pid(server.proc.pid)
            before_kb = _rss_kb(worker, "VmRSS")
            Path(f"/proc/{worker}/clear_refs").write_text("5")  # reset VmHWM to the current RSS
            body = _StreamedBody(BIG_MB * MB)
            answer = http.post(
                f"{server.url}/api/v1/files",
                headers={**headers, "Content-Type": f"multipart/form-data; boundary={BOUNDARY}"},
                data=body,
            )
            assert answer.status_code == 201, answer.text[:300]
            peak_kb = _rss_kb(worker, "VmHWM")
            log(
                "100 MB upload:",
                answer.json()["size"],
                "bytes; rss before",
                before_kb // 1024,
                "MB, peak",
                peak_kb // 1024,
            )
    finally:
        moto.terminate()
        moto.wait(timeout=10)
    rps, baseline = max(results["api"]), max(results["boto3"])
    emit(
        {
            "bench": "files",
            "rps": round(rps, 1),
            "baseline_rps": round(baseline, 1),
            "ratio": round(rps / baseline, 3),
            "peak_rss_mb": round(peak_kb / 1024, 1),
            "rss_before_mb": round(before_kb / 1024, 1),
            "rss_growth_mb": round((peak_kb - before_kb) / 1024, 1),
            "big_upload_mb": BIG_MB,
        }
    )


if __name__ == "__main__":
    main()
