"""The streaming app's start-up: attach Kafka sinks and custom event types to the event pipeline."""

from django.apps import AppConfig


class StreamingConfig(AppConfig):
    name = "streaming"
    verbose_name = "Event streaming"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from integrations.providers import register_capability
        from streaming import kafka, services
        from webhooks import catalog, destinations

        # Every published event also reaches matching Kafka sinks, from the same outbox transaction.
        destinations.register_destination(services.sink_messages_write)
        # Companies' own event types are publishable and subscribable beside the built-in catalog.
        catalog.register_custom_types(services.custom_type_exists)
        register_capability("kafka", "stream_client", kafka)
