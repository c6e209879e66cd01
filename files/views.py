"""Files endpoints: upload (streamed), list, read, metadata edits, delete, download links, route, test file."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.files.uploadhandler import TemporaryFileUploadHandler
from django.db.models import QuerySet
from django.http import FileResponse
from django.urls import reverse
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.principal import Principal, get_principal
from accounts.scopes import FILES_READ, FILES_WRITE
from config.api.pagination import page_pagination
from core.errors import InvalidInput, NotFound
from files import selectors, services
from files.filters import StoredFileFilter
from files.models import StoredFile
from files.serializers import (
    DownloadSerializer,
    FileUpdateSerializer,
    StorageRouteAnswerSerializer,
    StorageRouteSerializer,
    StoredFileSerializer,
    TestFileAnswerSerializer,
    TestFileSerializer,
    UploadSerializer,
)
from files.uploads import LimitedUploadHandler

UUID_REGEX = "[0-9a-fA-F-]{36}"


def actor_of(principal: Principal) -> str:
    return f"api_key:{principal.api_key_id}" if principal.is_api_key else f"user:{principal.user_id}"


def _local_url(request: Request, file: StoredFile) -> str:
    return request.build_absolute_uri(reverse("file-content", kwargs={"pk": file.id}))


def _download(request: Request, file: StoredFile) -> tuple[str, object]:
    return services.file_download_url(file=file, local_url=_local_url(request, file))


@extend_schema(tags=["files"])
class FileViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Files stored through the company's storage route (S3, Cloud Storage, Azure Blob or local)."""

    required_scopes = {
        "list": [FILES_READ],
        "retrieve": [FILES_READ],
        "download": [FILES_READ],
        "create": [FILES_WRITE],
        "partial_update": [FILES_WRITE],
        "destroy": [FILES_WRITE],
    }
    pagination_class = page_pagination("files")
    serializer_class = StoredFileSerializer
    filterset_class = StoredFileFilter
    queryset = StoredFile.objects.none()  # for the schema's model; requests use get_queryset()
    lookup_value_regex = UUID_REGEX

    def get_queryset(self) -> QuerySet[StoredFile]:
        return selectors.file_list(company_id=get_principal(self.request).company_id)

    def get_parsers(self):
        if getattr(self, "action", None) == "create" or self.request is None or self.request.method == "POST":
            return [MultiPartParser()]
        return super().get_parsers()

    def _file(self, request: Request, pk: str) -> StoredFile:
        try:
            return selectors.file_get(company_id=get_principal(request).company_id, file_id=pk)
        except (StoredFile.DoesNotExist, DjangoValidationError):
            raise NotFound("File not found.")

    def list(self, request: Request, *args: object, **kwargs: object) -> Response:
        """List files, newest first; filter by category, contentType, provider, integrationId and dates."""
        return super().list(request, *args, **kwargs)

    @extend_schema(
        request={"multipart/form-data": UploadSerializer},
        responses={
            201: StoredFileSerializer,
            200: OpenApiResponse(StoredFileSerializer, description="An identical file was reused"),
            413: OpenApiResponse(description="Larger than the company's limit"),
            415: OpenApiResponse(description="The bytes' type is not accepted for the category"),
        },
    )
    def create(self, request: Request) -> Response:
        """Upload a file (multipart `file`, `category`, `metadata`), streamed to disk and on to the storage."""
        principal = get_principal(request)
        limiter = LimitedUploadHandler(limit=selectors.upload_limit(company_id=principal.company_id))
        # Set before DRF parses the body: the limiter counts and hashes, the temp-file handler spools to disk.
        request._request.upload_handlers = [limiter, TemporaryFileUploadHandler(request._request)]
        serializer = UploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        if limiter.files != 1:
            raise InvalidInput(details={"file": "Send exactly one file."})
        upload = serializer.validated_data["file"]
        try:
            result = services.file_upload(
                company_id=principal.company_id,
                content=upload,
                file_name=upload.name or "file",
                category=serializer.validated_data["category"],
                metadata=serializer.validated_data.get("metadata") or {},
                sha256=limiter.sha256.hexdigest(),
                uploaded_by=actor_of(principal),
            )
        finally:
            upload.close()  # removes the temporary file now rather than at garbage collection
        code = status.HTTP_200_OK if result.reused else status.HTTP_201_CREATED
        return Response(StoredFileSerializer(result.file).data, status=code)

    @extend_schema(responses=StoredFileSerializer)
    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(StoredFileSerializer(self._file(request, pk)).data)

    @extend_schema(request=FileUpdateSerializer, responses=StoredFileSerializer)
    def partial_update(self, request: Request, pk: str) -> Response:
        """Replace a file's metadata or change its name; the stored object is not touched."""
        file = self._file(request, pk)
        serializer = FileUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        file = services.file_update(file=file, metadata=data.get("metadata"), file_name=data.get("file_name"))
        return Response(StoredFileSerializer(file).data)

    @extend_schema(responses={204: None})
    def destroy(self, request: Request, pk: str) -> Response:
        """Delete the file and its object in the storage."""
        services.file_delete(file=self._file(request, pk))
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(responses=DownloadSerializer)
    @action(detail=True, methods=["get"])
    def download(self, request: Request, pk: str) -> Response:
        """A short-lived URL reading the file: signed by the provider, or by the hub for local files."""
        url, expires_at = _download(request, self._file(request, pk))
        return Response(DownloadSerializer({"url": url, "expires_at": expires_at}).data)


@extend_schema(tags=["files"], auth=[])
class FileContentView(APIView):
    """Streams a locally stored file to the holder of a download token (the token is the authorization)."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes: list = []

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiResponse(description="The file's bytes")})
    def get(self, request: Request, pk: str) -> FileResponse:
        file = services.file_for_token(file_id=pk, token=request.query_params.get("token", ""))
        response = FileResponse(services.file_open(file=file), as_attachment=True, filename=file.file_name)
        response["Content-Type"] = file.content_type
        response["X-Content-Type-Options"] = "nosniff"
        return response


@extend_schema(tags=["files"])
class StorageRouteView(APIView):
    """The company's primary storage and its ordered fallbacks (GET / PUT)."""

    required_scopes = {"GET": [FILES_READ], "PUT": [FILES_WRITE]}

    def _answer(self, company_id) -> dict:
        route = selectors.route_get(company_id=company_id)
        chain = selectors.storage_chain(company_id=company_id)
        return StorageRouteAnswerSerializer(
            {
                "primary": route.primary_id if route else None,
                "fallbacks": route.fallbacks if route else [],
                "max_file_bytes": selectors.upload_limit(company_id=company_id),
                "reuse_duplicates": bool(route and route.reuse_duplicates),
                "effective": [{"provider": t.provider, "integrationId": t.integration_id} for t in chain],
            }
        ).data

    @extend_schema(responses=StorageRouteAnswerSerializer)
    def get(self, request: Request) -> Response:
        return Response(self._answer(get_principal(request).company_id))

    @extend_schema(request=StorageRouteSerializer, responses=StorageRouteAnswerSerializer)
    def put(self, request: Request) -> Response:
        serializer = StorageRouteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        company_id = get_principal(request).company_id
        services.route_set(
            company_id=company_id,
            primary=data.get("primary"),
            fallbacks=data.get("fallbacks") or [],
            max_file_bytes=data.get("max_file_bytes"),
            reuse_duplicates=data.get("reuse_duplicates"),
        )
        return Response(self._answer(company_id))


@extend_schema(tags=["files"])
class TestFileView(APIView):
    """Source API 004 POST /integrations/test/file: a small generated file through the primary storage."""

    required_scopes = [FILES_WRITE]
    rate_limit = {"POST": "10/min"}

    @extend_schema(request=TestFileSerializer, responses={201: TestFileAnswerSerializer})
    def post(self, request: Request) -> Response:
        serializer = TestFileSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        principal = get_principal(request)
        file = services.file_test_create(
            company_id=principal.company_id,
            file_name=data.get("file_name") or "",
            file_type=data.get("file_type") or "",
            category=data.get("category") or "",
            uploaded_by=actor_of(principal),
        )
        url, _ = _download(request, file)
        body = {
            "file_id": file.id,
            "file_name": file.file_name,
            "file_key": file.file_key,
            "url": url,
            "size": file.size,
            "content_type": file.content_type,
            "provider": file.provider,
            "uploaded_at": file.uploaded_at,
        }
        return Response(TestFileAnswerSerializer(body).data, status=status.HTTP_201_CREATED)
