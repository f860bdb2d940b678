"""The one encrypted model field family. Lookups other than isnull make no sense on ciphertext;
search goes through blind-index columns instead."""

from __future__ import annotations

import datetime

from django.db import models

from . import encryption


class EncryptedMixin:
    """Encrypts on the way to the database, decrypts on the way back; the column name is bound in."""

    def get_internal_type(self) -> str:
        return "TextField"

    @property
    def encryption_context(self) -> str:
        return f"{self.model._meta.db_table}.{self.column}"

    def to_plain(self, value) -> str:
        return str(value)

    def from_plain(self, text: str):
        return text

    def get_prep_value(self, value):
        if value is None or value == "":
            return value
        return encryption.encrypt(self.to_plain(value), context=self.encryption_context)

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        return self.from_plain(encryption.decrypt(value, context=self.encryption_context))

    def get_lookup(self, lookup_name):
        if lookup_name != "isnull":
            return None
        return super().get_lookup(lookup_name)


class EncryptedTextField(EncryptedMixin, models.TextField):
    pass


class EncryptedCharField(EncryptedMixin, models.CharField):
    """A short personal value; max_length applies to the plaintext (validated in forms)."""

    def db_type(self, connection):
        return models.TextField().db_type(connection)

    def get_db_prep_value(self, value, connection, prepared=False):
        return self.get_prep_value(value) if not prepared else value


class EncryptedDateField(EncryptedMixin, models.DateField):
    def db_type(self, connection):
        return models.TextField().db_type(connection)

    def to_plain(self, value) -> str:
        if isinstance(value, str):
            value = datetime.date.fromisoformat(value)
        return value.isoformat()

    def from_plain(self, text: str):
        return datetime.date.fromisoformat(text)

    def get_db_prep_value(self, value, connection, prepared=False):
        return self.get_prep_value(value) if not prepared else value

    def to_python(self, value):
        if isinstance(value, datetime.date) or value in (None, ""):
            return value
        return super().to_python(value)
