"""Messaging: email, SMS and chat messages, templates and provider failover."""

from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "messaging"
    verbose_name = "Messaging"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from integrations.inbound.registry import register_inbound_handler
        from messaging import handlers, providers

        providers.register()

        for status in handlers.TWILIO_STATUSES:
            register_inbound_handler("twilio", f"message.{status}", handlers.twilio_status)
        register_inbound_handler("sendgrid", "email.*", handlers.sendgrid_events)
        register_inbound_handler("vonage", "message.*", handlers.vonage_receipt)
        register_inbound_handler("textlocal", "message.*", handlers.textlocal_receipt)
