"""Sub-commands of the ``agencynet`` command line; each module exposes ``register(subparsers)``."""
