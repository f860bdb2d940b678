"""`Authorization: Bearer <token>`: the tokens of DRF's `Token` keyword, for clients that only send Bearer,
under the same second-factor rule (a TOTP role's token works only once it has enrolled)."""

from network.authentication import SecondFactorTokenAuthentication


class BearerTokenAuthentication(SecondFactorTokenAuthentication):
    keyword = "Bearer"
