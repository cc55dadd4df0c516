"""The PACT v3 face of a node: ``/auth/token``, ``/3/footprints``, ``/3/events``.

A thin adapter: footprints come from the node's own records through
:mod:`accounting.pact.mapping`, filters from :mod:`accounting.pact.filters`, clients and
tokens from :mod:`registry.pact_clients`. Served only over TLS and only when the node is
started with ``--pact`` (docs/PACT.md).
"""
