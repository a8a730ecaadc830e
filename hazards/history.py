"""The change history of hazards and work orders (django-simple-history), for pages."""


def _label(field, value):
    """A changed value as a person reads it: choice labels, names of people."""
    if field.many_to_many:
        ids = [row[field.m2m_reverse_field_name()] for row in value or []]
        return ", ".join(str(u) for u in field.related_model.objects.filter(pk__in=ids)) or "—"
    if value in (None, ""):
        return "—"
    if field.choices:
        return dict(field.flatchoices).get(value, value)
    return value


def history_of(obj, limit=50):
    """What changed, who changed it and when, newest first."""
    records = list(obj.history.select_related("history_user")[: limit + 1])
    model = type(obj)
    rows = []
    for newer, older in zip(records, records[1:] + [None]):
        changes = []
        if older is not None:
            for change in newer.diff_against(older).changes:
                if change.field in ("updated_at", "version"):
                    continue
                field = model._meta.get_field(change.field)
                changes.append((field.verbose_name, _label(field, change.old), _label(field, change.new)))
        rows.append({"when": newer.history_date, "who": newer.history_user,
                     "type": newer.get_history_type_display(), "changes": changes})
    return rows[:limit]
