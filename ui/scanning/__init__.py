"""Scan session UI (issue 5): scan or import pages, sort them onto a dossier's checklist, attach."""
