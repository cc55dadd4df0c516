"""Identifiers, the node's store, prefixes, records and the registration service."""
