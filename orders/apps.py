"""The orders app: partner orders, their status machine and history, products and customers."""

from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "orders"
    verbose_name = "Orders"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from orders import inbound

        inbound.register()
