"""Routes of this app, mounted under /api/v1/ (see config/urls.py)."""

from django.urls import re_path

from streaming import views

UUID = "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"

urlpatterns = [
    re_path(r"^events/?$", views.EventListView.as_view(), name="events"),
    re_path(rf"^events/(?P<pk>{UUID})/?$", views.EventDetailView.as_view(), name="event-detail"),
    re_path(r"^event-types/?$", views.EventTypeListView.as_view(), name="event-types"),
    re_path(r"^event-types/(?P<name>[A-Za-z0-9_.-]{1,64})/?$", views.EventTypeDetailView.as_view(), name="event-type"),
    re_path(r"^event-sinks/?$", views.SinkListView.as_view(), name="event-sinks"),
    re_path(rf"^event-sinks/(?P<pk>{UUID})/?$", views.SinkDetailView.as_view(), name="event-sink"),
    re_path(rf"^event-sinks/(?P<pk>{UUID})/replay/?$", views.SinkReplayView.as_view(), name="event-sink-replay"),
    re_path(r"^event-sources/?$", views.SourceListView.as_view(), name="event-sources"),
    re_path(rf"^event-sources/(?P<pk>{UUID})/?$", views.SourceDetailView.as_view(), name="event-source"),
    re_path(r"^integrations/test/event/?$", views.TestEventView.as_view(), name="integrations-test-event"),
]
