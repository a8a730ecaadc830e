"""Forms, by concern, like the views."""

from .photos import MultiplePhotoField, PhotosForm  # noqa: F401
from .register import HazardForm  # noqa: F401
from .transfer import ImportFileForm, ImportOptionsForm, RiverImportForm  # noqa: F401
