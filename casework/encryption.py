"""Field-level authenticated encryption (AES-256-GCM) and blind indexes.

Stored value: ``enc1:<key id>:<base64url(nonce || ciphertext+tag)>``. The associated data is the
column's "table.column", so a value copied into another column fails to decrypt. Several keys are
configured at once (FIELD_ENCRYPTION_KEYS, newest first) so they can be rotated without downtime.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import jaconv
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext as _

PREFIX = "enc1"
PLAIN_PREFIX = "plain:"  # only with FIELD_ENCRYPTION_DISABLED (benchmark baseline)
NONCE_BYTES = 12


class DecryptionError(Exception):
    """A stored value could not be decrypted: wrong key, tampering, or a value moved between columns."""


@dataclass(frozen=True)
class KeyRing:
    active_id: str
    keys: dict[str, AESGCM]


KEY_ID = re.compile(r"[A-Za-z0-9_-]{1,16}")
KEY_BYTES = 32
# base64url as documented; the standard alphabet (+ /) is accepted too, with or without padding.
_BASE64 = re.compile(r"[A-Za-z0-9_+/-]+={0,2}")
MIN_BLIND_INDEX_KEY_CHARS = 32


def _expected_keys() -> str:
    return _("keyid:base64url(32 bytes), comma-separated, newest first")


def _decode_key(encoded: str) -> bytes | None:
    """The key's bytes, or None when the text is not base64 (the caller says so without echoing it)."""
    if not _BASE64.fullmatch(encoded):
        return None
    unpadded = encoded.rstrip("=").replace("-", "+").replace("_", "/")
    try:
        return base64.b64decode(unpadded + "=" * (-len(unpadded) % 4), validate=True)
    except binascii.Error:
        return None


def key_spec_errors(spec: str) -> list[str]:
    """What is wrong with a FIELD_ENCRYPTION_KEYS value, one message per problem (empty if nothing).

    The messages name the variable, the entry and the expected form, never the key material: an entry
    without a valid key id is named by its position only, since it may be a bare key.
    """
    errors: list[str] = []
    seen: set[str] = set()
    entries = [part.strip() for part in spec.split(",")]
    if not any(entries):
        return [_("FIELD_ENCRYPTION_KEYS is empty; expected %(expected)s.") % {"expected": _expected_keys()}]
    for position, item in enumerate(entries, start=1):
        if not item:
            continue  # a stray comma is harmless
        key_id, sep, encoded = item.partition(":")
        if not sep or not KEY_ID.fullmatch(key_id):
            errors.append(
                _(
                    "FIELD_ENCRYPTION_KEYS entry %(position)s does not start with a key id (1-16 letters, "
                    "digits, - or _) and a colon; expected %(expected)s."
                )
                % {"position": position, "expected": _expected_keys()}
            )
            continue
        raw = _decode_key(encoded)
        if raw is None:
            errors.append(
                _("FIELD_ENCRYPTION_KEYS key %(key_id)s is not valid base64url; expected %(expected)s.")
                % {"key_id": key_id, "expected": _expected_keys()}
            )
        elif len(raw) != KEY_BYTES:
            errors.append(
                _(
                    "FIELD_ENCRYPTION_KEYS key %(key_id)s is %(length)s bytes long, not 32; "
                    "expected %(expected)s."
                )
                % {"key_id": key_id, "length": len(raw), "expected": _expected_keys()}
            )
        if key_id in seen:
            errors.append(
                _("FIELD_ENCRYPTION_KEYS names key id %(key_id)s more than once; give each key its own id.")
                % {"key_id": key_id}
            )
        seen.add(key_id)
    return errors


def blind_index_key_errors(value: str) -> list[str]:
    """What is wrong with a BLIND_INDEX_KEY value (empty if nothing); never echoes the key."""
    expected = _("a random string of at least %(min)s characters, e.g. from secrets.token_urlsafe(32)") % {
        "min": MIN_BLIND_INDEX_KEY_CHARS
    }
    if not value.strip():
        return [_("BLIND_INDEX_KEY is empty; expected %(expected)s.") % {"expected": expected}]
    if value != value.strip():
        return [
            _("BLIND_INDEX_KEY begins or ends with white space (a copying mistake?); expected %(expected)s.")
            % {"expected": expected}
        ]
    if value.startswith("change-me"):
        return [
            _("BLIND_INDEX_KEY is still the placeholder from .env.example; expected %(expected)s.")
            % {"expected": expected}
        ]
    if len(value) < MIN_BLIND_INDEX_KEY_CHARS:
        return [
            _("BLIND_INDEX_KEY is %(length)s characters long, too short; expected %(expected)s.")
            % {"length": len(value), "expected": expected}
        ]
    return []


def parse_keys(spec: str) -> KeyRing:
    """The key ring of a FIELD_ENCRYPTION_KEYS value; the first key encrypts, all decrypt.

    A bad value is also a system check error at start (casework/checks.py); this raises for callers that
    skipped the checks.
    """
    errors = key_spec_errors(spec)
    if errors:
        raise ImproperlyConfigured(" ".join(errors))
    keys: dict[str, AESGCM] = {}
    for item in filter(None, (part.strip() for part in spec.split(","))):
        key_id, _sep, encoded = item.partition(":")
        keys[key_id] = AESGCM(_decode_key(encoded))
    return KeyRing(active_id=next(iter(keys)), keys=keys)


@lru_cache(maxsize=4)
def _ring_for(spec: str) -> KeyRing:
    return parse_keys(spec)


def key_ring() -> KeyRing:
    return _ring_for(settings.FIELD_ENCRYPTION_KEYS)


def generate_key() -> str:
    """A new base64url key for FIELD_ENCRYPTION_KEYS."""
    return base64.urlsafe_b64encode(os.urandom(32)).decode()


def encrypt(plaintext: str, *, context: str) -> str:
    if settings.FIELD_ENCRYPTION_DISABLED:
        return PLAIN_PREFIX + plaintext
    ring = key_ring()
    nonce = os.urandom(NONCE_BYTES)
    sealed = ring.keys[ring.active_id].encrypt(nonce, plaintext.encode(), context.encode())
    return f"{PREFIX}:{ring.active_id}:{base64.urlsafe_b64encode(nonce + sealed).decode()}"


def key_id_of(stored: str) -> str | None:
    parts = stored.split(":", 2)
    return parts[1] if len(parts) == 3 and parts[0] == PREFIX else None


def decrypt(stored: str, *, context: str) -> str:
    if stored.startswith(PLAIN_PREFIX) and settings.FIELD_ENCRYPTION_DISABLED:
        return stored[len(PLAIN_PREFIX) :]
    prefix, _, rest = stored.partition(":")
    key_id, _, payload = rest.partition(":")
    if prefix != PREFIX or not payload:
        raise DecryptionError(f"{context}: value is not in the encrypted format")
    key = key_ring().keys.get(key_id)
    if key is None:
        raise DecryptionError(f"{context}: no configured key with id {key_id!r}")
    try:
        blob = base64.urlsafe_b64decode(payload)
        return key.decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], context.encode()).decode()
    except (InvalidTag, ValueError) as exc:
        raise DecryptionError(f"{context}: authentication failed (wrong key or altered value)") from exc


# --- blind indexes -----------------------------------------------------------------------------

_SPACES = re.compile(r"\s+")


def normalise_kana(value: str) -> str:
    """NFKC, katakana folded to hiragana, no spaces, lower case: 'ヤマダ　タロウ' == 'やまだたろう'."""
    text = unicodedata.normalize("NFKC", value)
    text = jaconv.kata2hira(text)
    return _SPACES.sub("", text).lower()


def normalise_phone(value: str) -> str:
    """Digits only, in any notation: '(03) 1234-5678', '０３－１２３４－５６７８', '+81 3-1234-5678'.

    The country code becomes the trunk prefix 0 ('+81 (0)3 …' too), as the number is dialled at home.
    """
    text = unicodedata.normalize("NFKC", value).strip()
    digits = re.sub(r"\D", "", text)
    if text.startswith("+81"):
        digits = "0" + digits[2:].removeprefix("0")
    return digits


def blind_index(value: str, *, purpose: str) -> str:
    """Keyed hash for exact-match search; empty input gives an empty index (never matches)."""
    if not value:
        return ""
    mac = hmac.new(settings.BLIND_INDEX_KEY.encode(), f"{purpose}\x00{value}".encode(), hashlib.sha256)
    return mac.hexdigest()


def keyed_token(value: str, *, purpose: str) -> int:
    """A search token: the first 64 bits of the keyed hash, as a signed integer (a bigint column).

    For n-gram tokens, where a rare collision only adds a candidate that the search's check drops; exact
    blind indexes keep the full digest.
    """
    mac = hmac.digest(settings.BLIND_INDEX_KEY.encode(), f"{purpose}\x00{value}".encode(), "sha256")
    return int.from_bytes(mac[:8], "big", signed=True)


def kana_index(value: str) -> str:
    return blind_index(normalise_kana(value), purpose="kana")


def phone_index(value: str) -> str:
    return blind_index(normalise_phone(value), purpose="phone")


def birth_date_index(value) -> str:
    return blind_index(value.isoformat() if value else "", purpose="birth_date")
