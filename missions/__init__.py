"""Mission planning (planner.py is pure), the mission lifecycle, suppressions, dosage and audit."""
