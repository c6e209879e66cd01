"""The payments app: payments and refunds through gateway integrations, and the gateways' webhooks."""

from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "payments"
    verbose_name = "Payments"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from payments import inbound

        inbound.register()
