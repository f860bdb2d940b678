"""`insert_new(obj)`: Model.save() of a new row, for the rows every logged activity writes (the activity and
its audit row), without the ORM compiling the same INSERT on every request.

Django's own compiler builds the statement once per (model, database), with a placeholder for each
concrete field, as save() would for an unsaved object; each call prepares the values as save() does (each
field's `pre_save(obj, add=True)` then `get_db_prep_save`, so auto_now stamps and encryption happen as
usual) and reads the primary key back from RETURNING. What it leaves out is save()'s pre_save/post_save
signals, so it refuses a model that has receivers for them.
"""

from __future__ import annotations

import functools

from django.db import connections, models, router
from django.db.models.signals import post_save, pre_save
from django.db.models.sql import InsertQuery


@functools.cache
def _statement(model: type[models.Model], alias: str) -> tuple[str, tuple, tuple]:
    """(sql, fields, returning fields) of a one-row INSERT of `model`, built by Django's compiler."""
    meta = model._meta
    fields = tuple(f for f in meta.local_concrete_fields if not f.generated and f is not meta.auto_field)
    returning = tuple(meta.db_returning_fields)
    if returning != (meta.auto_field,):  # other returned columns would need their converters
        raise NotImplementedError(f"insert_new: {meta.label} returns more than its auto primary key")
    connection = connections[alias]
    if not connection.features.can_return_columns_from_insert:
        raise NotImplementedError(f"insert_new needs INSERT … RETURNING ({connection.vendor})")
    query = InsertQuery(model)
    query.insert_values(fields, [model()])
    compiler = query.get_compiler(using=alias)
    compiler.returning_fields = list(returning)
    [(sql, _params)] = compiler.as_sql()
    if sql.count("%s") != len(fields):  # a field with its own placeholder SQL: let save() handle the model
        raise NotImplementedError(f"insert_new: {meta.label} has a field with a placeholder of its own")
    return sql, fields, returning


def insert_new(obj: models.Model) -> models.Model:
    """Insert `obj` (never saved) as save() would, and return it saved."""
    model = type(obj)
    if pre_save.has_listeners(model) or post_save.has_listeners(model):
        raise TypeError(f"insert_new skips save()'s signals; {model._meta.label} has receivers: save() it")
    alias = router.db_for_write(model, instance=obj)
    sql, fields, returning = _statement(model, alias)
    connection = connections[alias]
    values = []
    for field in fields:
        value = field.pre_save(obj, True)
        if hasattr(value, "resolve_expression"):
            raise TypeError(f"insert_new takes plain values, not expressions ({field.name})")
        values.append(field.get_db_prep_save(value, connection=connection))
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        row = connection.ops.fetch_returned_insert_columns(cursor, ())
    for field, value in zip(returning, row, strict=True):
        setattr(obj, field.attname, value)
    obj._state.adding = False
    obj._state.db = alias
    return obj
