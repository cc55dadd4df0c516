"""The node daemon, the resolver client, protocol adapters and the ``glid`` command."""
