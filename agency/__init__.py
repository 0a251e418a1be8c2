"""The agency's own configuration: jurisdiction, districts, beats, shifts, crime types, policy, people."""
