"""Listeners that turn Django's own events into audit events."""
