"""Object keys: company/category/yyyy/mm/<random>-<safe name>, with names normalised and no traversal."""

import re
import secrets
import unicodedata
from datetime import datetime
from pathlib import PurePosixPath, PureWindowsPath
from uuid import UUID

from django.utils.text import get_valid_filename

MAX_NAME = 120


def safe_name(raw: str) -> str:
    """Return a file name without directories, control characters or leading dots; never empty.

    Only the last path component (of either separator) is kept, so '../../etc/passwd' is stored
    as 'passwd' inside the company's prefix; Django's get_valid_filename drops the rest.
    """
    text = unicodedata.normalize("NFKC", raw or "").replace("\x00", "")
    text = PureWindowsPath(PurePosixPath(text).name).name
    text = "".join(ch for ch in text if unicodedata.category(ch)[0] != "C")
    text = text.strip().lstrip(".")
    try:
        text = get_valid_filename(text)
    except Exception:
        text = ""
    text = re.sub(r"_+", "_", text)
    if not text or text in {".", ".."}:
        text = "file"
    if len(text) > MAX_NAME:
        stem, dot, ext = text.rpartition(".")
        text = (stem[: MAX_NAME - len(ext) - 1] + "." + ext) if dot and len(ext) <= 16 else text[:MAX_NAME]
    return text


def object_key(*, company_id: UUID, category: str, name: str, now: datetime) -> str:
    """Return a new object key; the random part makes it unique and unguessable."""
    return f"{company_id}/{category}/{now:%Y}/{now:%m}/{secrets.token_hex(8)}-{safe_name(name)}"
