"""The models, by concern: places, the hazard register, clearance works, readiness, tours."""

from .places import River, Town, Village  # noqa: F401
from .readiness import (  # noqa: F401
    Drill,
    DrillFollowUp,
    DrillPhoto,
    EvacuationPlan,
    EvacuationRoute,
    Patrol,
    PatrolCheck,
    PatrolPhoto,
    PlanContact,
    Shelter,
)
from .register import DRIVING_ORDER, Hazard, HazardPhoto, nearest_river, photo_path  # noqa: F401
from .tours import Tour  # noqa: F401
from .versioned import StaleVersion, Versioned  # noqa: F401
from .works import Acceptance, AcceptancePhoto, ProgressPhoto, ProgressUpdate, WorkOrder, hazard_status  # noqa: F401
