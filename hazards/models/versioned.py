"""Versions: no change is lost because someone else saved in between (optimistic locking)."""

from django.db import models


class StaleVersion(Exception):
    """The object changed since the user loaded it; `current` is its state now."""

    def __init__(self, current):
        super().__init__(f"{type(current).__name__} {current.pk} is at version {current.version}")
        self.current = current


class Versioned(models.Model):
    """A model whose every save is `UPDATE … SET version = n + 1 WHERE id = … AND version = n`.

    The version is compared and incremented by the database in the same
    statement, so two saves can never share a version, and a save made from a
    copy older than the row (a form loaded before someone else's change, the
    admin, a command) matches no row and raises StaleVersion, whichever code
    path made it. Saves that name `update_fields` without "version" write
    derived fields only (a hazard's status following its work orders) and are
    not checked: they change nothing a person typed.
    """

    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        abstract = True

    def _do_update(self, base_qs, using, pk_val, values, update_fields, forced_update):
        if update_fields is not None and "version" not in update_fields:
            return super()._do_update(base_qs, using, pk_val, values, update_fields, forced_update)
        seen = self.version
        values = [(field, model, seen + 1 if field.attname == "version" else value) for field, model, value in values]
        if super()._do_update(base_qs.filter(version=seen), using, pk_val, values, update_fields, forced_update):
            self.version = seen + 1
            return True
        current = type(self)._base_manager.using(using).filter(pk=pk_val).first()
        if current is not None:
            raise StaleVersion(current)
        return False
