"""Long jobs: one database row per job (status, progress, message, error) that pages poll."""
