"""Alembic migrations of the operations store; applied by :func:`ops.database.connect`."""
