"""MotCua central server: accounts, devices, reference data and offline-first sync (FastAPI)."""
