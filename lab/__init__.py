"""nslab: Docker training machines and the two-container namespace experiment."""

__version__ = "0.2.0"
