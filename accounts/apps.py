from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Companies and access"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Signal receivers: failed sign-ins count towards the lockout; company changes reach the key cache.
        from accounts import lockout, receivers  # noqa: F401
