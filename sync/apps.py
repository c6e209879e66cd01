"""The sync app: catalog, customer and order syncs with commerce platforms, and their schedules."""

from django.apps import AppConfig


class SyncConfig(AppConfig):
    name = "sync"
    verbose_name = "Syncs"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from sync import clients

        clients.register()
