"""Django's AuthenticationMiddleware, with the request's user marked by `remember_parks`: the
user object is loaded for this request only, and a park admin's page checks its scope several
times (the list's queryset, its total, the filter form's parks), each reading the same park tree."""

from __future__ import annotations

from django.contrib.auth import middleware as auth_middleware
from django.utils.functional import SimpleLazyObject

from .access import remember_parks


def _request_user(request):
    user = auth_middleware.get_user(request)
    remember_parks(user)
    return user


class AuthenticationMiddleware(auth_middleware.AuthenticationMiddleware):
    def process_request(self, request):
        super().process_request(request)
        request.user = SimpleLazyObject(lambda: _request_user(request))
