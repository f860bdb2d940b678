"""Field-level authenticated encryption (AES-256-GCM) and blind indexes.

Stored value: ``enc1:<key id>:<base64url(nonce || ciphertext+tag)>``. The associated data is the
column's "table.column", so a value copied into another column fails to decrypt. Several keys are
configured at once (FIELD_ENCRYPTION_KEYS, newest first) so they can be rotated without downtime.
"""

from __future__ import annotations

import base64
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

PREFIX = "enc1"
PLAIN_PREFIX = "plain:"  # only with FIELD_ENCRYPTION_DISABLED (benchmark baseline)
NONCE_BYTES = 12


class DecryptionError(Exception):
    """A stored value could not be decrypted: wrong key, tampering, or a value moved between columns."""


@dataclass(frozen=True)
class KeyRing:
    active_id: str
    keys: dict[str, AESGCM]


def parse_keys(spec: str) -> KeyRing:
    keys: dict[str, AESGCM] = {}
    active = None
    for item in (part.strip() for part in spec.split(",")):
        if not item:
            continue
        key_id, sep, encoded = item.partition(":")
        if not sep or not re.fullmatch(r"[A-Za-z0-9_-]{1,16}", key_id):
            raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS entries look like 'keyid:base64key'")
        raw = base64.urlsafe_b64decode(encoded)
        if len(raw) != 32:
            raise ImproperlyConfigured(f"encryption key {key_id!r} must be 32 bytes (base64url-encoded)")
        if key_id in keys:
            raise ImproperlyConfigured(f"encryption key id {key_id!r} appears twice")
        keys[key_id] = AESGCM(raw)
        active = active or key_id
    if active is None:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS is empty")
    return KeyRing(active_id=active, keys=keys)


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
    return re.sub(r"\D", "", unicodedata.normalize("NFKC", value))


def blind_index(value: str, *, purpose: str) -> str:
    """Keyed hash for exact-match search; empty input gives an empty index (never matches)."""
    if not value:
        return ""
    mac = hmac.new(settings.BLIND_INDEX_KEY.encode(), f"{purpose}\x00{value}".encode(), hashlib.sha256)
    return mac.hexdigest()


def kana_index(value: str) -> str:
    return blind_index(normalise_kana(value), purpose="kana")


def phone_index(value: str) -> str:
    return blind_index(normalise_phone(value), purpose="phone")


def birth_date_index(value) -> str:
    return blind_index(value.isoformat() if value else "", purpose="birth_date")
