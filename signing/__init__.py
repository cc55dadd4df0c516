"""Keys, canonical encoding, signatures, certificates, chain verification and the Merkle log.

The bottom layer of glid: it imports nothing else from the project, so every
other package can rely on it without cycles.
"""
