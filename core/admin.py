"""What every app's admin shares: no bulk delete on business records, and a short error column."""

from typing import Any

from django.http import HttpRequest
from django.utils.html import format_html


class NoBulkDeleteMixin:
    """Drop "Delete selected" from the actions: a business record is deleted one at a time, if at all.

    One careless click over a filtered list would remove orders, messages or deliveries that
    partners and audits rely on; a single delete keeps its confirmation page with related rows.
    """

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions = super().get_actions(request)  # type: ignore[misc]
        actions.pop("delete_selected", None)
        return actions


ERROR_COLUMN_CHARS = 80


def error_cell(text: str) -> str:
    """Return an error as a list cell: red, cut to one line, the whole text in the tooltip."""
    if not text:
        return "—"
    short = text if len(text) <= ERROR_COLUMN_CHARS else text[: ERROR_COLUMN_CHARS - 1] + "…"
    return format_html('<span style="color: #c62828" title="{}">{}</span>', text, short)
