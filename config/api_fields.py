"""Serializer fields every app's api.py shares: aware datetimes and master data referred to by code."""

from __future__ import annotations

import copy
import datetime
from collections.abc import Callable

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema_field
from rest_framework import serializers

from network.fiscal import TOKYO


class AwareDateTimeField(serializers.DateTimeField):
    """ISO 8601 with an offset, in and out (API.md, Conventions).

    DRF would read a naive datetime in the server's time zone; we refuse to guess, because the fiscal
    year and month of an activity depend on its exact moment. Output is always in Asia/Tokyo (+09:00).
    """

    default_error_messages = {
        "naive": _("Give the date and time with its UTC offset, e.g. 2025-03-31T23:30:00+09:00."),
    }

    def to_internal_value(self, value):
        if isinstance(value, datetime.datetime):
            parsed = value
        elif isinstance(value, str):
            try:
                parsed = parse_datetime(value.strip())
            except ValueError:
                parsed = None  # well-formed but impossible (month 13): DRF's "invalid" below
        else:
            parsed = None
        if parsed is not None and timezone.is_naive(parsed):
            self.fail("naive")
        return super().to_internal_value(value)

    def to_representation(self, value):
        if not value:
            return None
        if isinstance(value, str):
            return value
        return value.astimezone(TOKYO).isoformat()


class FlatListField(serializers.ListField):
    """A list whose bad items are reported as one flat list of messages, ``{"field": ["Item 3: ..."]}``.

    DRF's ListField answers ``{"field": {"2": ["..."]}}``; API.md (and the ValidationError schema
    component) promise ``{"field": ["message", ...]}``.
    """

    default_error_messages = {"item": _("Item %(number)s: %(message)s")}

    def run_child_validation(self, data):
        try:
            return super().run_child_validation(data)
        except serializers.ValidationError as error:
            messages = [
                self.error_messages["item"] % {"number": index + 1, "message": message}
                for index, detail in error.detail.items()
                for message in (detail if isinstance(detail, list) else [detail])
            ]
            raise serializers.ValidationError(messages) from None


@extend_schema_field({"type": "array", "items": {"type": "string"}})
class CodeListField(FlatListField):
    """A list of master-data codes in, the matching objects out (in the order given, duplicates dropped).

    ``queryset`` is a callable taking the serializer context, so the choice can depend on the request.
    ``lookup``, if given, replaces the query: a callable of the context and the codes giving the allowed
    objects among them by code (e.g. from a cache, network.selectors.active_agencies_by_code).
    Unknown codes are reported in one flat message: ``{"field": ["Unknown ...: x, y"]}``.
    """

    default_error_messages = {"unknown": _("Unknown code: {codes}")}

    def __init__(
        self,
        *,
        queryset: Callable[[dict], QuerySet],
        code_field: str = "code",
        lookup: Callable[[dict, list[str]], dict] | None = None,
        **kwargs,
    ):
        self.queryset = queryset
        self.code_field = code_field
        self.lookup = lookup
        kwargs.setdefault("child", serializers.CharField(max_length=64))
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        codes = list(dict.fromkeys(super().to_internal_value(data)))
        if not codes:
            return []
        if self.lookup is not None:
            found = self.lookup(self.context, codes)
        else:
            found = {
                getattr(obj, self.code_field): obj
                for obj in self.queryset(self.context).filter(**{f"{self.code_field}__in": codes})
            }
        unknown = [c for c in codes if c not in found]
        if unknown:
            self.fail("unknown", codes=", ".join(unknown))
        return [found[c] for c in codes]

    def to_representation(self, data):
        return [getattr(obj, self.code_field) for obj in data.all()] if hasattr(data, "all") else list(data)


@extend_schema_field(OpenApiTypes.STR)
class CodeField(serializers.Field):
    """One master-data object referred to by its code; ``queryset`` is a callable of the context.

    Unknown codes and codes outside the allowed queryset get the same message, so a 400 never tells
    "exists but not yours" from "does not exist".
    """

    default_error_messages = {"unknown": _("Unknown code: {code}"), "invalid": _("Give a code as text.")}

    def __init__(self, *, queryset: Callable[[dict], QuerySet], code_field: str = "code", **kwargs):
        self.queryset = queryset
        self.code_field = code_field
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        if "\x00" in data:  # no code holds it, and PostgreSQL refuses it in a query (a 500, not a 400)
            self.fail("unknown", code=data.replace("\x00", ""))
        obj = self.queryset(self.context).filter(**{self.code_field: data}).first()
        if obj is None:
            self.fail("unknown", code=data)
        return obj

    def to_representation(self, value):
        return getattr(value, self.code_field)


class ChoiceListField(FlatListField):
    """A list of choice values (e.g. issue tags) with one flat message for unknown ones.

    DRF's ``ListField(child=ChoiceField)`` answers ``{"issues": {"2": [...]}}``; API.md promises
    ``{"field": ["message"]}``.
    """

    default_error_messages = {"unknown": _("Unknown value: {values}. Choose from: {choices}.")}

    def __init__(self, *, choices, **kwargs):
        self.choice_values = [value for value, _label in choices]
        kwargs.setdefault("child", serializers.ChoiceField(choices=choices))
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if isinstance(data, list) and all(isinstance(v, str) for v in data):
            unknown = [v for v in dict.fromkeys(data) if v not in self.choice_values]
            if unknown:
                self.fail("unknown", values=", ".join(unknown), choices=", ".join(self.choice_values))
            return list(dict.fromkeys(data))
        return super().to_internal_value(data)


# --- shared response documentation (one component for every app's error bodies) -------------------


class ErrorDetailSerializer(serializers.Serializer):
    detail = serializers.CharField()


NOT_FOUND = OpenApiResponse(
    ErrorDetailSerializer, description="Missing, or not visible to you (same answer)."
)
PAGE_NOT_FOUND = OpenApiResponse(ErrorDetailSerializer, description="A page number past the end of the list.")
TOO_MANY_REQUESTS = OpenApiResponse(
    ErrorDetailSerializer, description="Locked out after repeated failed logins; try again later."
)
BAD_REQUEST = OpenApiResponse(description='Invalid input: {"field": ["message", ...]}.')
FORBIDDEN = OpenApiResponse(ErrorDetailSerializer, description="You may see the object but not do this.")
CONFLICT = OpenApiResponse(ErrorDetailSerializer, description="The object's state does not allow this.")


def _fresh_copy(field: serializers.Field) -> serializers.Field:
    """A field of its own for one serializer instance, without DRF's deepcopy (which runs every field's
    __init__ again): a shallow copy has its own __dict__, so binding (field_name, parent, source) stays on
    the copy; the settings it shares (choices, validators, error messages) are never changed after
    __init__. A list's child and a many-relation's child get their own copy, pointing at the new parent."""
    fresh = copy.copy(field)
    for name in ("child", "child_relation"):
        child = field.__dict__.get(name)
        if child is not None:
            child = _fresh_copy(child)
            child.parent = fresh
            setattr(fresh, name, child)
    return fresh


class FieldsBuiltOnceMixin:
    """For a serializer whose fields never vary per instance: DRF builds them from the model (or deep-copies
    the declared ones) on every instantiation, most of the cost of reading one body or answering one row.
    Build them once per class; give each instance copies of its own, which DRF then binds as usual. Only for
    fields of DRF's own kinds and those of this module (no nested serializers)."""

    def get_fields(self):
        built = type(self).__dict__.get("_fields_built_once")
        if built is None:
            built = super().get_fields()
            assert not any(isinstance(f, serializers.BaseSerializer) for f in built.values()), (
                "FieldsBuiltOnceMixin copies fields shallowly: no nested serializers"
            )
            type(self)._fields_built_once = built
        return {name: _fresh_copy(field) for name, field in built.items()}
