"""HTTP routers, one per user group: citizens (public), planners and dispatchers (bearer tokens)."""
