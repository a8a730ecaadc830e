"""How long free text may be."""

# About two pages. A TextField's max_length is enforced by the forms made from it
# (the database keeps any length): nobody types more than this on a river bank,
# and a 100,000-character paste is a mistake or an attack.
TEXT_MAX_LENGTH = 4000
