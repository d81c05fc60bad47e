"""Revisions of the operations store, oldest first."""
