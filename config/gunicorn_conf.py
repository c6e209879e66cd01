"""gunicorn settings (`-c config/gunicorn_conf.py`): request limits, and its own errors in the JSON envelope.

gunicorn answers some requests before Django sees them (request line too long, malformed or
too many headers) and writes those errors as HTML. Its only seam for that body is
`gunicorn.util.write_error`, which the worker calls by module lookup; this file replaces it
(in the master, before workers fork) with one that writes the hub's JSON error envelope.
"""

import json
import os
from http import HTTPStatus

from gunicorn import util

# gunicorn's own defaults, adjustable from the environment (0 lifts a limit; the line is capped at 8190).
limit_request_line = int(os.environ.get("GUNICORN_LIMIT_REQUEST_LINE", "4094"))
limit_request_fields = int(os.environ.get("GUNICORN_LIMIT_REQUEST_FIELDS", "100"))
limit_request_field_size = int(os.environ.get("GUNICORN_LIMIT_REQUEST_FIELD_SIZE", "8190"))


def _message(status: int, detail: str) -> tuple[int, str]:
    """Return (status, one clear sentence) for a gunicorn error; its own text may echo the request."""
    if detail.startswith("Request Line is too large"):
        return 414, f"The request line (method and URL) is longer than {limit_request_line} bytes."
    if status == 431:
        return 431, (
            f"The request has too many headers (limit {limit_request_fields}) "
            f"or one longer than {limit_request_field_size} bytes."
        )
    if status == 400:
        return 400, "The HTTP request is malformed: its request line or a header cannot be parsed."
    if status == 501:
        return 501, "The request's transfer coding is not supported."
    if status == 403:
        return 403, "The request is forbidden."
    return 500, "An internal error occurred; it has been logged."


def write_error(sock, status_int: int, reason: str, mesg: str) -> None:
    """gunicorn's write_error, answering {statusCode, error, message, details} as JSON."""
    status, message = _message(int(status_int), str(mesg))
    phrase = HTTPStatus(status).phrase
    # Built here rather than with config.api.exceptions.envelope: the master loads this file
    # before (and without) Django, and must not import the app.
    body = json.dumps({"statusCode": status, "error": phrase, "message": message, "details": {}}).encode()
    head = (
        f"HTTP/1.1 {status} {phrase}\r\n"
        "Connection: close\r\n"
        "Content-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    util.write_nonblock(sock, head.encode("latin-1") + body)


util.write_error = write_error
