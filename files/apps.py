"""The files app: file storage through django-storages, the files API, validation and failover."""

from django.apps import AppConfig


class FilesConfig(AppConfig):
    name = "files"
    verbose_name = "Files"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from files import backends

        backends.register()
