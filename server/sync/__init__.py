"""Sync: push of device events, the per-office change feed, dossier code blocks, attachments."""
