"""The models, by concern: places, the hazard register, clearance works, readiness, tours, keys, citizen reports,
background jobs, the flood response."""

from .access import ApiToken, Open311Client  # noqa: F401
from .citizen import CitizenReport  # noqa: F401
from .duty import DutyLogEntry, DutyShift  # noqa: F401
from .gauges import Gauge, GaugeAlert, GaugeReading  # noqa: F401
from .jobs import Job  # noqa: F401
from .notifications import Channel, Delivery, NotificationSettings, Robot  # noqa: F401
from .offline import ClientSubmission, PhotoUpload  # noqa: F401
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
from .register import (  # noqa: F401
    DRIVING_ORDER,
    Hazard,
    HazardPhoto,
    check_locations,
    derive_places,
    nearest_river,
    photo_path,
)
from .resources import Depot, DepotItem, RescueTeam, TeamStretch  # noqa: F401
from .response import (  # noqa: F401
    LEVEL_FOR_WARNING,
    WARNING_RANK,
    CallOut,
    ChecklistItem,
    Declaration,
    DeclarationAction,
    Evacuation,
    Notice,
    ObstructionOwner,
    ResponseLevel,
    Responsibility,
    ResponsiblePerson,
    ShelterOccupancy,
    WarningLevel,
)
from .tours import Tour  # noqa: F401
from .transfer import ImportRecord  # noqa: F401
from .versioned import StaleVersion, Versioned  # noqa: F401
from .works import Acceptance, AcceptancePhoto, ProgressPhoto, ProgressUpdate, WorkOrder, hazard_status  # noqa: F401
