"""The list shape: {"<resource>": [...], "pagination": {page, limit, total, totalPages, hasNext, hasPrev}}."""

import math
from typing import Any

from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import BasePagination
from rest_framework.request import Request
from rest_framework.response import Response


class PaginationSerializer(serializers.Serializer):
    """The `pagination` block of the list shape, for schemas of hand-built lists."""

    page = serializers.IntegerField()
    limit = serializers.IntegerField()
    total = serializers.IntegerField()
    total_pages = serializers.IntegerField()
    has_next = serializers.BooleanField()
    has_prev = serializers.BooleanField()


def parse_page_params(request: Request, *, default_limit: int = 20, max_limit: int = 100) -> tuple[int, int]:
    """Return (page, limit) from the query, answering 400 on values out of range."""
    errors: dict[str, str] = {}
    page = _int_param(request, "page", 1, errors)
    limit = _int_param(request, "limit", default_limit, errors)
    if "page" not in errors and page < 1:
        errors["page"] = "page must be an integer ≥ 1."
    if "limit" not in errors and not 1 <= limit <= max_limit:
        errors["limit"] = f"limit must be an integer between 1 and {max_limit}."
    if errors:
        raise ValidationError(errors)
    return page, limit


def _int_param(request: Request, name: str, default: int, errors: dict[str, str]) -> int:
    raw = request.query_params.get(name)
    if raw in (None, ""):
        return default
    try:
        return int(raw)
    except ValueError:
        errors[name] = f"{name} must be an integer."
        return default


def pagination_block(page: int, limit: int, total: int) -> dict[str, Any]:
    """Return the `pagination` object of the list shape."""
    total_pages = math.ceil(total / limit) if total else 0
    return {
        "page": page,
        "limit": limit,
        "total": total,
        "totalPages": total_pages,
        "hasNext": page < total_pages,
        "hasPrev": page > 1,
    }


class PagePagination(BasePagination):
    """page/limit pagination; build one per resource with `page_pagination("orders")`."""

    key = "results"
    default_limit = 20
    max_limit = 100

    def paginate_queryset(self, queryset: Any, request: Request, view: Any = None) -> list[Any]:
        self.page, self.limit = parse_page_params(
            request,
            default_limit=self.default_limit,
            max_limit=self.max_limit,
        )
        self.total = queryset.count() if hasattr(queryset, "count") else len(queryset)
        offset = (self.page - 1) * self.limit
        if offset >= self.total:
            return []  # a page past the end is empty, not an error
        return list(queryset[offset : offset + self.limit])

    def get_paginated_response(self, data: list[Any]) -> Response:
        return Response({self.key: data, "pagination": pagination_block(self.page, self.limit, self.total)})

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        return {
            "type": "object",
            "required": [self.key, "pagination"],
            "properties": {
                self.key: schema,
                "pagination": {
                    "type": "object",
                    "properties": {
                        "page": {"type": "integer"},
                        "limit": {"type": "integer"},
                        "total": {"type": "integer"},
                        "totalPages": {"type": "integer"},
                        "hasNext": {"type": "boolean"},
                        "hasPrev": {"type": "boolean"},
                    },
                },
            },
        }

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        return [
            {"name": "page", "in": "query", "required": False, "schema": {"type": "integer", "minimum": 1}},
            {
                "name": "limit",
                "in": "query",
                "required": False,
                "schema": {"type": "integer", "minimum": 1, "maximum": self.max_limit},
            },
        ]


def page_pagination(key: str, *, default_limit: int = 20, max_limit: int = 100) -> type[PagePagination]:
    """Return a PagePagination whose list is under `key` (e.g. "orders")."""
    return type(
        f"{key.title().replace('_', '')}Pagination",
        (PagePagination,),
        {"key": key, "default_limit": default_limit, "max_limit": max_limit},
    )
