"""Mission models arrive with mission planning (issue: missions and tactics)."""
