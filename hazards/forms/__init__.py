"""Forms, by concern, like the views."""

from .register import HazardForm, MultiplePhotoField  # noqa: F401
