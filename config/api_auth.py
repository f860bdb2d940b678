"""`Authorization: Bearer <token>`: the tokens of DRF's `Token` keyword, for clients that only send Bearer."""

from rest_framework.authentication import TokenAuthentication


class BearerTokenAuthentication(TokenAuthentication):
    keyword = "Bearer"
