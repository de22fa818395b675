"""API tokens (rest_framework.authtoken), the rules of their life: one place for the API and the
web downloads that accept `Authorization: Token`.

- A token is valid for `API_TOKEN_TTL_HOURS` after it was issued (`token.created`); an older one
  is refused with 401 "令牌已过期，请重新获取。" and `issue_token` replaces it on the next
  successful POST to /api/v1/auth/token/.
- A password change (set_password anywhere: the web form, the admin, `create_user --password`)
  and deactivating a user revoke the user's tokens (the post_save receiver below, connected in
  parks/apps.py). The commission revokes any user's token in the admin (users: "revoke API
  tokens", or the Tokens list); a client revokes its own with DELETE /api/v1/auth/token/.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import AuthenticationFailed

from common.prepared import Prepared

from .access import remember_parks

EXPIRED = _("令牌已过期，请重新获取。")


def token_expired(token: Token, *, now: dt.datetime | None = None) -> bool:
    ttl = dt.timedelta(hours=settings.API_TOKEN_TTL_HOURS)
    return token.created <= (now or timezone.now()) - ttl


def issue_token(user) -> Token:
    """The user's token; a fresh one when the stored one has expired. Concurrent calls end with
    the same single token (the user's token is unique; get_or_create retries on the conflict)."""
    token, created = Token.objects.get_or_create(user=user)
    if not created and token_expired(token):
        Token.objects.filter(pk=token.pk).delete()
        token, _created = Token.objects.get_or_create(user=user)
    return token


def revoke_tokens(user) -> int:
    """Delete the user's tokens; the number deleted."""
    if user.pk is None:
        return 0
    return Token.objects.filter(user_id=user.pk).delete()[0]


def revoke_on_password_change_or_deactivation(sender, instance, created, **kwargs) -> None:
    """post_save of the user model. `_password` is what Django's set_password leaves for the
    save that follows (AbstractBaseUser.save reads it after post_save to notify the password
    validators), so it marks a password change without a query; a hash upgrade on login
    (check_password) clears it first and keeps the tokens."""
    if created:
        return
    if getattr(instance, "_password", None) is not None or not instance.is_active:
        revoke_tokens(instance)


# The token and its user, read by SQL compiled once per process (common.prepared): DRF's
# select_related get compiled it on every API request (0.80 -> 0.38 ms at the bench).
_TOKEN = Prepared(lambda key: Token.objects.select_related("user").filter(key=key), text=(0,))


class ExpiringTokenAuthentication(TokenAuthentication):
    """DRF's TokenAuthentication, refusing a token older than API_TOKEN_TTL_HOURS."""

    def authenticate_credentials(self, key):
        found = _TOKEN(key) if self.get_model() is Token else []
        if found and found[0].user.is_active:
            token = found[0]
            user = token.user
        else:  # unknown key, inactive user: DRF's own refusal and messages
            user, token = super().authenticate_credentials(key)
        if token_expired(token):
            raise AuthenticationFailed(EXPIRED)
        remember_parks(user)  # a user object of this request only
        return user, token
