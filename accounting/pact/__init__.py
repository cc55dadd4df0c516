"""PACT v3 (WBCSD Pathfinder) data exchange, as pure computation over records.

:mod:`accounting.pact.mapping` turns a product-footprint 2.x record into a PACT
ProductFootprint and back without losing a member; :mod:`accounting.pact.filters` reads
the v3 ListFootprints filters and decides which footprints they select. The HTTP face
(tokens, paging, events) lives in :mod:`resolver.pact`; docs/PACT.md is the reference.
"""
