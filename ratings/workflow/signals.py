"""What the workflow tells the stages above it, without importing them.

`results_changed` is sent (inside the transaction) when a review is completed or a reviewed
submission is reopened, with ``cycle`` and ``by``: the reports stage queues a new tally then.
"""

from django.dispatch import Signal

results_changed = Signal()
