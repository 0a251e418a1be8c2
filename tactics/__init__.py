"""Patrol tactics per crime type, suggested on missions and self-reported by officers."""
