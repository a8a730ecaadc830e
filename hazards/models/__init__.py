"""The models, by concern: places, the hazard register, and clearance works."""

from .places import River, Town, Village  # noqa: F401
from .register import Hazard, HazardPhoto, nearest_river, photo_path  # noqa: F401
from .works import Acceptance, AcceptancePhoto, ProgressPhoto, ProgressUpdate, WorkOrder  # noqa: F401
from .tours import DRIVING_ORDER, Tour  # noqa: F401
