"""A password-validator hook that revokes a user's refresh tokens whenever their password changes."""

from django.contrib.auth.base_user import AbstractBaseUser


class RevokeRefreshTokensOnChange:
    """Listed in AUTH_PASSWORD_VALIDATORS for its `password_changed` hook, which Django calls
    from User.save() after any password change (API, admin, `changepassword`); it validates nothing.
    """

    def validate(self, password: str, user: AbstractBaseUser | None = None) -> None:
        return None

    def password_changed(self, password: str, user: AbstractBaseUser | None = None) -> None:
        if user is not None and user.pk is not None:
            from accounts.services import user_refresh_tokens_revoke

            user_refresh_tokens_revoke(user_id=user.pk)

    def get_help_text(self) -> str:
        return "Changing your password signs you out of the API everywhere (refresh tokens are revoked)."
