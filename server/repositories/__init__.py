"""Every database query of the server, one module per area (identity, reference data, …)."""
