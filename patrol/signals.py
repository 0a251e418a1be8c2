"""What patrol tells the apps above it (which it may not import): fixes were stored between two
instants. missions listens, to start and complete missions from AVL (missions/apps.py)."""

from django.dispatch import Signal

# sent after the storing transaction commits, with first= and last= (aware datetimes)
positions_stored = Signal()
