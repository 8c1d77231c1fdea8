"""Maintenance scripts (not shipped in the wheel: pyproject's package find includes only wizard,
screens and assets)."""
