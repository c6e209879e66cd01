"""Shapes of the files API: a stored file, metadata edits, the upload form, download links, the route."""

import json
from typing import Any

from django.conf import settings
from rest_framework import serializers

from config.api.fields import ModelSerializer, TimestampField
from files.models import StoredFile

MAX_METADATA_BYTES = 16 * 1024
CATEGORY_CHOICE = {"invalid_choice": f"Invalid category. Must be one of: {', '.join(settings.FILES_CATEGORIES)}"}


def _metadata_object(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise serializers.ValidationError("metadata must be a JSON object.")
    if len(json.dumps(value)) > MAX_METADATA_BYTES:
        raise serializers.ValidationError(f"metadata may hold at most {MAX_METADATA_BYTES} bytes of JSON.")
    return value


class StoredFileSerializer(ModelSerializer):
    integration_id = serializers.UUIDField(allow_null=True)
    on_fallback = serializers.BooleanField(source="is_on_fallback")

    class Meta:
        model = StoredFile
        fields = [
            "id",
            "file_name",
            "file_key",
            "size",
            "content_type",
            "sha256",
            "provider",
            "integration_id",
            "category",
            "metadata",
            "on_fallback",
            "is_test",
            "uploaded_at",
            "updated_at",
        ]


class UploadSerializer(serializers.Serializer):
    """The multipart form of POST files (the file itself is read by the streaming handler)."""

    file = serializers.FileField(help_text="The file; its type is detected from its bytes.")
    category = serializers.ChoiceField(choices=list(settings.FILES_CATEGORIES), error_messages=CATEGORY_CHOICE)
    metadata = serializers.CharField(required=False, allow_blank=True, help_text="A JSON object, as a string.")

    def validate_metadata(self, value: str) -> dict[str, Any]:
        if not value:
            return {}
        try:
            parsed = json.loads(value)
        except ValueError:
            raise serializers.ValidationError("metadata must be a JSON object.")
        return _metadata_object(parsed)


class FileUpdateSerializer(serializers.Serializer):
    metadata = serializers.JSONField(required=False)
    file_name = serializers.CharField(required=False, max_length=255)

    def validate_metadata(self, value: Any) -> dict[str, Any]:
        return _metadata_object(value)


class DownloadSerializer(serializers.Serializer):
    url = serializers.CharField()
    expires_at = TimestampField()


class StorageRouteSerializer(serializers.Serializer):
    primary = serializers.UUIDField(allow_null=True, required=False, help_text="A storage integration's id.")
    fallbacks = serializers.ListField(child=serializers.UUIDField(), required=False, max_length=10)
    max_file_bytes = serializers.IntegerField(allow_null=True, required=False)
    reuse_duplicates = serializers.BooleanField(required=False)


class StorageRouteAnswerSerializer(serializers.Serializer):
    primary = serializers.UUIDField(allow_null=True)
    fallbacks = serializers.ListField(child=serializers.UUIDField())
    max_file_bytes = serializers.IntegerField()
    reuse_duplicates = serializers.BooleanField()
    effective = serializers.ListField(child=serializers.DictField(), help_text="The storages an upload tries now.")


class TestFileSerializer(serializers.Serializer):
    file_name = serializers.CharField(required=False, allow_blank=True, max_length=200)
    file_type = serializers.CharField(required=False, allow_blank=True, max_length=100)
    category = serializers.ChoiceField(
        choices=list(settings.FILES_CATEGORIES), required=False, allow_blank=True, error_messages=CATEGORY_CHOICE
    )


class TestFileAnswerSerializer(serializers.Serializer):
    """Source API 004's answer of POST integrations/test/file."""

    file_id = serializers.UUIDField()
    file_name = serializers.CharField()
    file_key = serializers.CharField()
    url = serializers.CharField()
    size = serializers.IntegerField()
    content_type = serializers.CharField()
    provider = serializers.CharField()
    uploaded_at = TimestampField()
