"""Pages, by concern: the hazard register, clearance works, and more as they come."""
