"""HTTP routes of the server, one module per area (auth, reference, admin, sync)."""
