"""The change history of hazards and work orders (django-simple-history), for pages."""


def _label(field, value):
    """A changed value as a person reads it: choice labels."""
    if value in (None, ""):
        return "—"
    if field.choices:
        return dict(field.flatchoices).get(value, value)
    return value


def _many_to_many(records, model):
    """{field name: {history id: sorted ids}} for the many-to-many fields history keeps (a work order's
    engineers), read in one query a field for all the records: simple_history's diff_against asks once
    per record."""
    if not records:
        return {}
    values = {}
    for history_field in records[0]._history_m2m_fields:
        field = model._meta.get_field(history_field.name)
        through = getattr(records[0], field.name).model
        target = field.m2m_reverse_field_name()
        rows = through.objects.filter(history__in=[r.pk for r in records]).values_list("history_id", target)
        values[field.name] = {record.pk: [] for record in records}
        for history_id, related_id in rows:
            values[field.name][history_id].append(related_id)
    return values


def _names(field, ids):
    return {obj.pk: str(obj) for obj in field.related_model.objects.filter(pk__in=ids)}


def history_of(obj, limit=50):
    """What changed, who changed it and when, newest first."""
    records = list(obj.history.select_related("history_user")[: limit + 1])
    model = type(obj)
    m2m = _many_to_many(records, model)
    names = {name: _names(model._meta.get_field(name), {i for ids in by_record.values() for i in ids})
             for name, by_record in m2m.items()}
    rows = []
    for newer, older in zip(records, records[1:] + [None]):
        changes = []
        if older is not None:
            for change in newer.diff_against(older, excluded_fields=list(m2m)).changes:
                if change.field in ("updated_at", "version"):
                    continue
                field = model._meta.get_field(change.field)
                changes.append((field.verbose_name, _label(field, change.old), _label(field, change.new)))
            for name, by_record in m2m.items():
                old, new = sorted(by_record[older.pk]), sorted(by_record[newer.pk])
                if old != new:
                    label = [", ".join(names[name].get(i, "?") for i in ids) or "—" for ids in (old, new)]
                    changes.append((model._meta.get_field(name).verbose_name, *label))
        rows.append({"when": newer.history_date, "who": newer.history_user,
                     "type": newer.get_history_type_display(), "changes": changes})
    return rows[:limit]
