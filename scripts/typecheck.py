#!/usr/bin/env python3
"""mypy over the application code, held to a recorded baseline that may only shrink.

mypy came late to this code base, so its existing errors are recorded in .mypy-baseline.txt
(one line per error, without line numbers so that unrelated edits do not move them). The
check fails when mypy reports an error the baseline does not hold; fixed errors are welcome
and `make typecheck-baseline` (`--update`) records the smaller set.
"""

import os
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / ".mypy-baseline.txt"
# path:line[:column]: error: message  [code]
ERROR = re.compile(r"^(?P<path>[^:\s]+):\d+(?::\d+)?: error: (?P<message>.*)$")
LINE_MENTION = re.compile(r"\bline \d+\b")  # "already defined on line 45" moves with unrelated edits


def mypy_errors() -> list[str]:
    # The embedded default settings: the Django plugin imports them, and they must not depend on
    # whichever database or Redis the caller's environment points at.
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "--no-error-summary", "--no-pretty", "--show-error-codes"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    if done.returncode not in (0, 1):  # 2: mypy itself failed (bad config, crash)
        sys.stderr.write(done.stdout + done.stderr)
        raise SystemExit(f"mypy failed to run (exit {done.returncode})")
    errors = []
    for line in done.stdout.splitlines():
        match = ERROR.match(line)
        if match:
            message = LINE_MENTION.sub("line N", match["message"].strip())
            errors.append(f"{match['path']}: {message}")
    return sorted(errors)


def main() -> int:
    current = mypy_errors()
    if "--update" in sys.argv[1:]:
        BASELINE.write_text("".join(f"{e}\n" for e in current))
        print(f"mypy baseline recorded: {len(current)} errors in {BASELINE.name}")
        return 0
    baseline = Counter(BASELINE.read_text().splitlines()) if BASELINE.exists() else Counter()
    new = Counter(current) - baseline
    fixed = baseline - Counter(current)
    if new:
        print(f"mypy: {sum(new.values())} error(s) not in {BASELINE.name} (fix them; the baseline may only shrink):")
        for error in sorted(new.elements()):
            print(f"  {error}")
        return 1
    note = f"; {sum(fixed.values())} fixed, run `make typecheck-baseline` to shrink it" if fixed else ""
    print(f"mypy: {len(current)} errors, none beyond the baseline of {sum(baseline.values())}{note}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
