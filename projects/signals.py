"""Signals of the projects app, for the layers above it (which projects may not import)."""

from django.dispatch import Signal

# Sent inside the transaction of a report write or review step, with `project_ids`: the
# figures of those projects may have changed (scheduling refreshes their investment status
# after commit, as after a milestone edit).
reports_changed = Signal()
