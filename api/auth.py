"""`/api/v1/auth/token/`: POST obtains a token, DELETE revokes the caller's own.

The token's life (TTL, revocation on a password change or deactivation) is parks/tokens.py;
here only the door: throttled per client address and per username (api/throttling.py), parsed
by the project's JSON parser (so a hostile body is a 400 here too, anonymously)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from api.fields import h
from api.throttling import TokenAddressThrottle, TokenUsernameThrottle
from parks.tokens import issue_token, revoke_tokens


class TokenView(APIView):
    """POST {"username", "password"} → {"token"}; send it as `Authorization: Token <token>`.
    A token expires API_TOKEN_TTL_HOURS after it was issued (401): POST again for a new one."""

    renderer_classes = [JSONRenderer]
    throttle_classes = [TokenAddressThrottle, TokenUsernameThrottle]
    serializer_class = AuthTokenSerializer

    def get_permissions(self):
        return [IsAuthenticated()] if self.request.method == "DELETE" else [AllowAny()]

    @extend_schema(
        request=inline_serializer(
            "TokenRequest",
            {
                "username": serializers.CharField(help_text=h("用户名", "Username")),
                "password": serializers.CharField(help_text=h("密码", "Password")),
            },
        ),
        responses={
            200: inline_serializer("TokenResponse", {"token": serializers.CharField(help_text=h("令牌", "Token"))})
        },
        summary="获取令牌 / Obtain a token",
    )
    def post(self, request, *args, **kwargs):
        serializer = AuthTokenSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        return Response({"token": issue_token(serializer.validated_data["user"]).key})

    @extend_schema(request=None, responses={204: None}, summary="吊销本人令牌 / Revoke your own token")
    def delete(self, request, *args, **kwargs):
        revoke_tokens(request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
