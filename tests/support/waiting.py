"""The one way a test waits: poll a condition until it holds or a deadline passes (never a fixed sleep).

To prove something did NOT happen, wait for a positive signal that shows the system moved
past the point where it would have happened (a later request, a row written after it),
then assert on the state.
"""

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def wait_until(condition: Callable[[], T], timeout: float = 20.0, *, interval: float = 0.05, message: str = "") -> T:
    """Return the condition's first truthy value; fail the test when it stays falsy for `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(message or f"condition not met within {timeout}s: {condition!r}")
        time.sleep(interval)
