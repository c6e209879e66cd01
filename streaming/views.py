"""Events, event types, Kafka sinks and sources, and the test event; thin: validate, call one service."""

from uuid import UUID

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import generics, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.principal import get_principal
from accounts.scopes import EVENTS_READ, EVENTS_WRITE
from config.api.pagination import PaginationSerializer, page_pagination, pagination_block, parse_page_params
from core import idempotency
from streaming import selectors, services
from streaming.filters import EventFilter
from streaming.models import Sink, Source
from streaming.serializers import (
    EventDetailSerializer,
    EventPublishSerializer,
    EventSerializer,
    EventTypeDefinitionSerializer,
    EventTypeUpdateSerializer,
    EventTypeWriteSerializer,
    ReplayResultSerializer,
    ReplaySerializer,
    SinkSerializer,
    SinkUpdateSerializer,
    SinkWriteSerializer,
    SourceDetailSerializer,
    SourceSerializer,
    SourceUpdateSerializer,
    SourceWriteSerializer,
    TestEventResultSerializer,
    TestEventSerializer,
)
from webhooks.models import Event


class _Scoped:
    """Reads need events:read, writes events:write (accounts.permissions reads `required_scopes` per method)."""

    required_scopes = {"GET": [EVENTS_READ], "HEAD": [EVENTS_READ], "OPTIONS": [EVENTS_READ], "*": [EVENTS_WRITE]}


def _company(request: Request) -> UUID:
    return get_principal(request).company_id


@extend_schema(tags=["events"])
class EventListView(_Scoped, generics.ListAPIView):
    """Publish an event through the pipeline (webhooks and Kafka sinks), or list the company's events."""

    serializer_class = EventSerializer
    pagination_class = page_pagination("events")
    filterset_class = EventFilter
    queryset = Event.objects.none()  # for the schema's model; requests use get_queryset()

    def get_queryset(self) -> QuerySet[Event]:
        return selectors.event_list(company_id=_company(self.request))

    @extend_schema(
        request=EventPublishSerializer,
        parameters=[idempotency.PARAMETER],
        responses={201: EventSerializer, 200: EventSerializer, 422: idempotency.REUSED_RESPONSE},
    )
    def post(self, request: Request) -> Response:
        """Publish `{eventType, data}`; data is validated against the type's JSON Schema (400 names the path)."""
        idem = idempotency.from_request(request)
        serializer = EventPublishSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        event, created = services.event_publish_api(
            company_id=_company(request),
            event_type=serializer.validated_data["event_type"],
            data=serializer.validated_data["data"],
            idem=idem,
        )
        headers = {} if created else idempotency.REPLAYED_HEADER
        code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
        return Response(EventSerializer(event).data, status=code, headers=headers)


@extend_schema(tags=["events"], responses=EventDetailSerializer)
class EventDetailView(_Scoped, APIView):
    """One event with where it was delivered (webhook deliveries, Kafka partitions and offsets)."""

    def get(self, request: Request, pk: str) -> Response:
        event = selectors.event_get(company_id=_company(request), event_id=pk)
        context = {"destinations": selectors.event_destinations(event=event)}
        return Response(EventDetailSerializer(event, context=context).data)


@extend_schema(tags=["events"])
class EventTypeListView(_Scoped, APIView):
    """The built-in event types (with their schemas) and the company's own; POST defines a new one."""

    @extend_schema(
        responses=inline_serializer(
            "EventTypeDefinitionList",
            {"eventTypes": EventTypeDefinitionSerializer(many=True), "pagination": PaginationSerializer()},
        )
    )
    def get(self, request: Request) -> Response:
        rows = selectors.event_type_list(company_id=_company(request))
        page, limit = parse_page_params(request, default_limit=100)
        start = (page - 1) * limit
        items = EventTypeDefinitionSerializer(rows[start : start + limit], many=True).data
        return Response({"eventTypes": items, "pagination": pagination_block(page, limit, len(rows))})

    @extend_schema(request=EventTypeWriteSerializer, responses={201: EventTypeDefinitionSerializer})
    def post(self, request: Request) -> Response:
        serializer = EventTypeWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        created = services.event_type_create(company_id=_company(request), **serializer.validated_data)
        return Response(
            EventTypeDefinitionSerializer(selectors.event_type_row(created)).data, status=status.HTTP_201_CREATED
        )


@extend_schema(tags=["events"])
class EventTypeDetailView(_Scoped, APIView):
    """One event type; PUT replaces a company type's description, schema and example; DELETE removes it."""

    @extend_schema(responses=EventTypeDefinitionSerializer)
    def get(self, request: Request, name: str) -> Response:
        return Response(
            EventTypeDefinitionSerializer(selectors.event_type_get(company_id=_company(request), name=name)).data
        )

    @extend_schema(request=EventTypeUpdateSerializer, responses=EventTypeDefinitionSerializer)
    def put(self, request: Request, name: str) -> Response:
        found = selectors.custom_type_get(company_id=_company(request), name=name)
        serializer = EventTypeUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        updated = services.event_type_update(event_type=found, **serializer.validated_data)
        return Response(EventTypeDefinitionSerializer(selectors.event_type_row(updated)).data)

    @extend_schema(responses={204: None})
    def delete(self, request: Request, name: str) -> Response:
        services.event_type_delete(event_type=selectors.custom_type_get(company_id=_company(request), name=name))
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(tags=["events"])
class SinkListView(_Scoped, generics.ListAPIView):
    """Kafka sinks: which events go to which topic of which Kafka integration, with status and lag."""

    serializer_class = SinkSerializer
    pagination_class = page_pagination("eventSinks")
    queryset = Sink.objects.none()

    def get_queryset(self) -> QuerySet[Sink]:
        return selectors.sink_list(company_id=_company(self.request))

    @extend_schema(request=SinkWriteSerializer, responses={201: SinkSerializer})
    def post(self, request: Request) -> Response:
        serializer = SinkWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        sink = services.sink_create(company_id=_company(request), **serializer.validated_data)
        return Response(
            SinkSerializer(selectors.sink_get(company_id=sink.company_id, sink_id=sink.id)).data,
            status=status.HTTP_201_CREATED,
        )


@extend_schema(tags=["events"])
class SinkDetailView(_Scoped, APIView):
    """One sink; PATCH changes it (`status: paused` holds events in the outbox); DELETE removes it."""

    @extend_schema(responses=SinkSerializer)
    def get(self, request: Request, pk: str) -> Response:
        return Response(SinkSerializer(selectors.sink_get(company_id=_company(request), sink_id=pk)).data)

    @extend_schema(request=SinkUpdateSerializer, responses=SinkSerializer)
    def patch(self, request: Request, pk: str) -> Response:
        sink = selectors.sink_get(company_id=_company(request), sink_id=pk)
        serializer = SinkUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        services.sink_update(sink=sink, **serializer.validated_data)
        return Response(SinkSerializer(selectors.sink_get(company_id=sink.company_id, sink_id=pk)).data)

    @extend_schema(responses={204: None})
    def delete(self, request: Request, pk: str) -> Response:
        services.sink_delete(sink=selectors.sink_get(company_id=_company(request), sink_id=pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(tags=["events"], request=ReplaySerializer, responses=ReplayResultSerializer)
class SinkReplayView(_Scoped, APIView):
    """Queue again every matching event published since a time (the relay sends them in publish order)."""

    def post(self, request: Request, pk: str) -> Response:
        sink = selectors.sink_get(company_id=_company(request), sink_id=pk)
        serializer = ReplaySerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        count = services.sink_replay(sink=sink, since=serializer.validated_data["since"])
        return Response(ReplayResultSerializer({"requeued": count}).data, status=status.HTTP_202_ACCEPTED)


@extend_schema(tags=["events"])
class SourceListView(_Scoped, generics.ListAPIView):
    """Kafka sources: topics consumed with a consumer group into events of one type."""

    serializer_class = SourceSerializer
    pagination_class = page_pagination("eventSources")
    queryset = Source.objects.none()

    def get_queryset(self) -> QuerySet[Source]:
        return selectors.source_list(company_id=_company(self.request))

    @extend_schema(request=SourceWriteSerializer, responses={201: SourceSerializer})
    def post(self, request: Request) -> Response:
        serializer = SourceWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        source = services.source_create(company_id=_company(request), **serializer.validated_data)
        return Response(SourceSerializer(source).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["events"])
class SourceDetailView(_Scoped, APIView):
    """One source with its group's partitions, committed offsets and lag (read from the cluster)."""

    @extend_schema(responses=SourceDetailSerializer)
    def get(self, request: Request, pk: str) -> Response:
        source = selectors.source_get(company_id=_company(request), source_id=pk)
        context = {"group": services.source_group_offsets(source=source)}
        return Response(SourceDetailSerializer(source, context=context).data)

    @extend_schema(request=SourceUpdateSerializer, responses=SourceSerializer)
    def patch(self, request: Request, pk: str) -> Response:
        source = selectors.source_get(company_id=_company(request), source_id=pk)
        serializer = SourceUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        return Response(SourceSerializer(services.source_update(source=source, **serializer.validated_data)).data)

    @extend_schema(responses={204: None})
    def delete(self, request: Request, pk: str) -> Response:
        services.source_delete(source=selectors.source_get(company_id=_company(request), source_id=pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(tags=["integrations"], request=TestEventSerializer, responses=TestEventResultSerializer)
class TestEventView(_Scoped, APIView):
    """Source API 004 POST /integrations/test/event: produce one event to the company's Kafka integration now."""

    rate_limit = "30/min"

    def post(self, request: Request) -> Response:
        serializer = TestEventSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        result = services.test_event_produce(company_id=_company(request), **serializer.validated_data)
        return Response(TestEventResultSerializer(result).data)
