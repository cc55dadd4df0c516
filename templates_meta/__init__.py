"""Metadata templates: layers, inheritance, versions, validation and the built-in set."""
