"""The outer layer: the command line and the HTTP service, composing ``geo`` and ``routing``."""
