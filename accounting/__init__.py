"""Emissions, footprints, carbon-efficiency grades and reports: pure computation over records."""
