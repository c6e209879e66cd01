"""Content types detected from the bytes (the `filetype` library), and each category's allowed types."""

import filetype
from django.conf import settings

SNIFF_BYTES = 8192

# filetype knows binary formats only; text is recognised here (no NUL, valid UTF-8).
TEXT = "text/plain"
CSV = "text/csv"


def categories() -> dict[str, list[str]]:
    return dict(settings.FILES_CATEGORIES)


def detect(head: bytes, *, name: str) -> str:
    """Return the content type the bytes show; the name only tells CSV from other text."""
    kind = filetype.guess(head)
    if kind is not None:
        return kind.mime
    if head and b"\x00" not in head and _is_text(head):
        return CSV if name.lower().endswith(".csv") else TEXT
    return "application/octet-stream"


def _is_text(head: bytes) -> bool:
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut at the end of the sample is still text.
        return exc.start >= len(head) - 3
    return True


def allowed(category: str, content_type: str) -> bool:
    """Return whether the category accepts the content type (CSV is also a text document)."""
    types = categories().get(category, [])
    return content_type in types or (content_type == CSV and TEXT in types)
