"""Docs that run: every request example in README.md and docs/*.md, sent to the running demo.

A request example is a fenced block that starts with `curl` or with an HTTP request line
(`POST /api/...`). When the next fenced block is an `http` answer (`HTTP/1.1 201 Created`, a blank
line, then JSON), the answer must have that status and every key shown (nested objects too; a value
shown as "…" may be anything, and a `"…": "…"` entry stands for keys not listed). With no answer
shown, a 2xx is expected. The placeholders readers replace (`ihk_...`, `<owner JWT>`,
`$INTEGRATION`, `<payment id>`) are replaced by the demo's.
`<!-- example: skip (reason) -->` on the line before a block marks one that cannot run here.
"""

import json
import re
import shlex
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import requests

from tests.e2e.demo import Demo, running_demo
from tests.e2e.live import ROOT

pytestmark = pytest.mark.e2e

DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
FENCE = re.compile(r"^```(?P<info>[^\n`]*)\n(?P<body>.*?)^```[ \t]*$", re.M | re.S)
SKIP = re.compile(r"<!--\s*example:\s*skip\s*\((?P<reason>[^)]+)\)\s*-->\s*$")
REQUEST_LINE = re.compile(r"^(GET|POST|PUT|PATCH|DELETE) (/\S*)(?: HTTP/1\.1)?$")


@dataclass
class Example:
    where: str  # docs/orders.md:26
    request: str
    answer: str | None  # the `http` block shown after it, if any
    skip: str | None  # the reason given in the doc


def examples() -> Iterator[Example]:
    for doc in DOCS:
        text = doc.read_text()
        blocks = list(FENCE.finditer(text))
        for i, block in enumerate(blocks):
            body = block["body"].strip()
            first = body.splitlines()[0] if body else ""
            if not (first.startswith("curl ") or REQUEST_LINE.match(first)):
                continue
            line = text.count("\n", 0, block.start()) + 1
            before = text[: block.start()].rstrip().splitlines()
            skip = SKIP.search(before[-1]) if before else None
            answer = None
            if i + 1 < len(blocks):
                following = blocks[i + 1]
                between = text[block.end() : following.start()]
                if not between.strip() and following["body"].startswith("HTTP/1.1 "):
                    answer = following["body"]
            yield Example(f"{doc.relative_to(ROOT)}:{line}", body, answer, skip["reason"].strip() if skip else None)


ALL = list(examples())


def test_the_docs_hold_request_examples():
    # guards the extractor: if the fences or the curl style change, the examples must still be found
    assert len([e for e in ALL if not e.skip]) >= 6, [e.where for e in ALL]
    assert all(e.skip for e in ALL if "/your/url" in e.request)


def _parse(example: Example, base: str, values: dict[str, str]) -> tuple[str, str, dict[str, str], str | None]:
    """(method, url, headers, body) of a curl command or an HTTP request block."""
    text = example.request
    for placeholder, value in values.items():
        text = text.replace(placeholder, value)
    first = text.splitlines()[0]
    if found := REQUEST_LINE.match(first):
        head, _, body = text.partition("\n\n")
        headers = dict(line.split(": ", 1) for line in head.splitlines()[1:])
        return found[1], base + found[2], headers, body.strip() or None
    words = shlex.split(text.replace("\\\n", " "))
    assert words[0] == "curl", example.where
    method, url, headers, body = "GET", "", {}, None
    rest = iter(words[1:])
    for word in rest:
        if word in ("-X", "--request"):
            method = next(rest)
        elif word in ("-H", "--header"):
            name, _, value = next(rest).partition(":")
            headers[name.strip()] = value.strip()
        elif word in ("-d", "--data", "--data-raw"):
            body = next(rest)
            method = "POST" if method == "GET" else method
        elif word.startswith("http"):
            url = word.replace("http://localhost:8000", base)
        else:
            raise AssertionError(f"{example.where}: curl option {word!r} is not understood by this test")
    return method, url, headers, body


def _expected(answer: str) -> tuple[int, Any]:
    status_line, _, rest = answer.partition("\n")
    body = rest.split("\n\n", 1)[-1].strip() if rest.strip() else ""
    return int(status_line.split()[1]), json.loads(body) if body else None


def _missing(shown: Any, got: Any, path: str = "") -> list[str]:
    """The keys shown in the doc that the answer lacks (recursively, through the first item of lists)."""
    if shown == "…":
        return []
    if isinstance(shown, dict):
        if not isinstance(got, dict):
            return [f"{path or '.'} is not an object"]
        return [
            m
            for k, v in shown.items()
            if k != "…"  # `"…": "…"`: more keys, not listed
            for m in ([f"{path}.{k}"] if k not in got else _missing(v, got[k], f"{path}.{k}"))
        ]
    if isinstance(shown, list) and shown:
        if not isinstance(got, list) or not got:
            return [f"{path} is not a non-empty list"]
        return _missing(shown[0], got[0], f"{path}[0]")
    return []


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    with running_demo(tmp_path_factory.mktemp("docs")) as running:
        yield running


@pytest.fixture(scope="module")
def values(demo: Demo) -> dict[str, str]:
    """The demo's values for the placeholders the docs use."""
    integrations = requests.get(f"{demo.base}/api/v1/integrations", headers=demo.headers, timeout=10).json()
    woo = next(i for i in integrations["integrations"] if i["provider"] == "woocommerce")
    payments = requests.get(
        f"{demo.base}/api/v1/payments",
        params={"status": "succeeded", "gateway": "sandbox"},
        headers=demo.headers,
        timeout=10,
    ).json()["payments"]
    assert payments, "the demo has no refundable sandbox payment"
    return {
        "ihk_...": demo.api_key,
        "<owner JWT>": demo.owner_jwt(),
        "$INTEGRATION": woo["id"],
        "<payment id>": payments[0]["id"],
    }


def test_every_request_example_answers_what_its_doc_shows(demo: Demo, values: dict[str, str]):
    failures = []
    for example in ALL:
        if example.skip:
            continue
        method, url, headers, body = _parse(example, demo.base, values)
        answer = requests.request(method, url, headers=headers, data=body, timeout=30)
        status, shown = _expected(example.answer) if example.answer else (None, None)
        if status is None and not 200 <= answer.status_code < 300:
            failures.append(f"{example.where}: {method} {url} → {answer.status_code} {answer.text[:300]}")
        elif status is not None and answer.status_code != status:
            failures.append(f"{example.where}: expected {status}, got {answer.status_code} {answer.text[:300]}")
        elif shown is not None and (missing := _missing(shown, answer.json())):
            failures.append(f"{example.where}: the answer lacks {missing}: {answer.text[:300]}")
    assert not failures, "\n".join(failures)
