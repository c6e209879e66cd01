"""A fast loopback webhook receiver for the benchmark: asyncio, keep-alive, records every request.

Usage: python bench/webhook_receiver.py PORT OUTFILE [FAIL_SECONDS]
Answers 503 to every request during the first FAIL_SECONDS after start, then 200. Each request
is recorded as a line `status path webhook-id unix_time` in OUTFILE (flushed every 0.2 s).
"""

import asyncio
import sys
import time


async def main(port: int, outfile: str, fail_seconds: float) -> None:
    started = time.time()
    out = open(outfile, "w", buffering=1 << 16)  # noqa: SIM115 - held open for the process's life

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                request_line = await reader.readline()
                if not request_line:
                    break
                path = request_line.split(b" ", 2)[1].decode()
                length = 0
                msg_id = "-"
                while True:
                    line = await reader.readline()
                    if line in (b"\r\n", b"\n", b""):
                        break
                    name, _, value = line.partition(b":")
                    lowered = name.strip().lower()
                    if lowered == b"content-length":
                        length = int(value)
                    elif lowered == b"webhook-id":
                        msg_id = value.strip().decode()
                if length:
                    await reader.readexactly(length)
                now = time.time()
                status = 503 if now - started < fail_seconds else 200
                out.write(f"{status} {path} {msg_id} {now:.6f}\n")
                reason = b"Service Unavailable" if status == 503 else b"OK"
                writer.write(
                    b"HTTP/1.1 %d %s\r\nContent-Length: 2\r\nContent-Type: text/plain\r\n\r\nok" % (status, reason)
                )
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    async def flusher() -> None:
        while True:
            await asyncio.sleep(0.2)
            out.flush()

    server = await asyncio.start_server(handle, "127.0.0.1", port, backlog=1024)
    print("ready", flush=True)
    asyncio.get_running_loop().create_task(flusher())
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]), sys.argv[2], float(sys.argv[3]) if len(sys.argv) > 3 else 0.0))
