"""A per-process buffer that a daemon thread writes to the database every few seconds.

Shared by API-key usage (accounts.usage) and API request logs (logs.requestlog): recording
only touches memory under a lock; the thread flushes, survives errors (the subclass keeps or
drops what failed), closes its connection after each tick, restarts cleanly after a fork and
flushes once more at a graceful exit.
"""

import atexit
import contextlib
import logging
import os
import threading

from django.db import connection

logger = logging.getLogger(__name__)


class BackgroundFlusher:
    """Subclasses implement _clear (empty the buffer), interval (seconds; 0 = flush by hand) and flush."""

    thread_name = "buffer-flush"

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._clear()
        os.register_at_fork(after_in_child=self.reset_after_fork)
        atexit.register(self._flush_at_exit)

    def _clear(self) -> None:
        raise NotImplementedError

    def interval(self) -> float:
        raise NotImplementedError

    def flush(self) -> int:
        raise NotImplementedError

    def _ensure_thread(self) -> None:
        """Start the flush thread on first use (after any fork), unless flushing is by hand."""
        if self._thread is None and self.interval() > 0:
            with self._lock:
                if self._thread is not None:
                    return
                self._stop = threading.Event()
                self._thread = threading.Thread(
                    target=self._run, args=(self._stop,), name=self.thread_name, daemon=True
                )
                self._thread.start()

    def _run(self, stop: threading.Event) -> None:
        while not stop.wait(max(self.interval(), 0.1)):
            try:
                self.flush()
            except Exception:  # the next tick retries; flush() decides what is kept
                logger.exception("%s flush failed", self.thread_name)
            finally:
                connection.close()

    def stop(self) -> None:
        """Stop the flush thread and drop what is pending (tests flush by hand)."""
        with self._lock:
            self._stop.set()
            self._thread = None
            self._clear()

    def reset_after_fork(self) -> None:
        self._lock = threading.Lock()
        self._thread = None
        self._stop = threading.Event()
        self._clear()

    def _flush_at_exit(self) -> None:
        # The database (or logging) may already be gone at interpreter exit.
        with contextlib.suppress(Exception):
            self.flush()
