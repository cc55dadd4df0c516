"""The ground every other package stands on: names, the root error, record layout, bytes.

glid_core holds the facts that signing, templates_meta, registry, accounting and resolver
all need and must agree on, each defined once: the identifier and prefix grammar
(:mod:`glid_core.identifiers`), the root of the exception tree (:mod:`glid_core.errors`),
the record layout (:mod:`glid_core.layout`) and canonical MessagePack
(:mod:`glid_core.canonical`). It imports nothing from glid.
"""
