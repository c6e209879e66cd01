"""The payments app: payments and refunds through gateway integrations, and the gateways' webhooks."""

from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "payments"
    verbose_name = "Payments"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Gateways first: modules imported below read the registry's gateway list.
        from payments import gateways

        gateways.register()

        from payments import inbound

        inbound.register()
