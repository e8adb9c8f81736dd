"""Scanning paper dossiers: devices, page analysis, output PDFs (issue 5). No Qt."""
