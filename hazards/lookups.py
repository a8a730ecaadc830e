"""Lookups that keep numbers no column can hold out of the SQL.

SQLite raises OverflowError for an integer beyond 64 bits; Django already
turns such a number into "no match" for `=`, `<` and `>` on integer columns,
but not for `__in`, which forms use for every multiple choice (`engineers`,
`villages`): a hostile id there was a 500.
"""

from django.db.models import IntegerField
from django.db.models.lookups import In


@IntegerField.register_lookup
class IntegerFieldIn(In):
    def process_rhs(self, compiler, connection):
        if self.rhs_is_direct_value():
            low, high = connection.ops.integer_field_range(self.lhs.output_field.get_internal_type())
            self.rhs = [
                value for value in self.rhs
                if not isinstance(value, int) or ((low is None or value >= low) and (high is None or value <= high))
            ]
        return super().process_rhs(compiler, connection)
