"""Maintenance scripts for the project's own files (not part of the installed bot)."""
