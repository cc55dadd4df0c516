"""The PostgreSQL store backend: a node's data in a PostgreSQL database shared by many hosts."""
