"""Writing many new rows at once, with their history: PostgreSQL's COPY there, Django's bulk_create elsewhere.

Django assembles a bulk INSERT in Python, at some tens of microseconds a value,
and on PostgreSQL it cannot use its faster UNNEST form for a table with a
geometry (whose placeholder is a function call): for an import of 10,000
hazards and their history rows that was two thirds of the time. COPY streams
the same rows. They are the same rows either way: each field's pre_save
(auto_now, auto_now_add) and database value, primary keys from the table's own
sequence, and the history rows simple_history would write.
"""

from django.contrib.gis.db.models import GeometryField
from django.db import connection, transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, get_history_manager_for_model


def create_with_history(objs, model, *, user=None, reason="", batch_size=1000):
    """Insert new instances of `model` (their primary keys set) and a "+" history row for each, by `user`."""
    if connection.vendor != "postgresql":
        return bulk_create_with_history(objs, model, batch_size=batch_size, default_user=user,
                                        default_change_reason=reason)
    history = get_history_manager_for_model(model).model
    now = timezone.now()
    with transaction.atomic(savepoint=False):
        copy_rows(model, objs)
        copy_rows(history, [
            history(history_date=getattr(obj, "_history_date", now), history_user=getattr(obj, "_history_user", user),
                    history_change_reason=reason, history_type="+",
                    **{field.attname: getattr(obj, field.attname) for field in history.tracked_fields})
            for obj in objs
        ])
    return objs


def copy_rows(model, objs):
    """INSERT the instances by COPY (PostgreSQL), their automatic primary keys drawn from the table's sequence first."""
    if not objs:
        return
    meta, quote = model._meta, connection.ops.quote_name
    fields = meta.concrete_fields
    with connection.cursor() as cursor:
        if meta.pk.get_internal_type() in ("AutoField", "BigAutoField", "SmallAutoField"):
            cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                           [meta.db_table, meta.pk.column, len(objs)])
            for obj, (pk,) in zip(objs, cursor.fetchall()):
                obj.pk = pk
        columns = ", ".join(quote(field.column) for field in fields)
        # psycopg's own cursor, so its errors are wrapped into Django's (IntegrityError) by hand.
        with connection.wrap_database_errors, cursor.cursor.copy(
                f"COPY {quote(meta.db_table)} ({columns}) FROM STDIN") as copy:
            for obj in objs:
                copy.write_row([_database_value(field, obj) for field in fields])
    for obj in objs:
        obj._state.adding, obj._state.db = False, connection.alias


def _database_value(field, obj):
    value = field.pre_save(obj, add=True)
    if isinstance(field, GeometryField):
        if value is None:
            return None
        value.srid = value.srid or field.srid
        return bytes(value.ewkb).hex()  # PostGIS reads hex EWKB as a geometry's text form
    return field.get_db_prep_save(value, connection)
