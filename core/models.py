from django.db import models


class FormToken(models.Model):
    """A one-time form token that has been used: written in the same transaction as the rows the
    form created, so a replay of the token finds it (see `core.formtokens`)."""

    token = models.CharField(max_length=64, primary_key=True)
    scope = models.CharField(max_length=80)
    url = models.CharField(max_length=300, blank=True)
    used_at = models.DateTimeField(auto_now_add=True, db_index=True)

    def __str__(self) -> str:
        return f"{self.scope}:{self.token}"


class OutboxMessage(models.Model):
    """A task that must run because an action committed: written in the action's transaction, so
    the side effect (a notice, an e-mail, a recomputation) is not lost when the broker is away
    at that moment (see `core.outbox`)."""

    class State(models.TextChoices):
        PENDING = "pending"  # waits to be delivered (published or not)
        RUNNING = "running"  # claimed by one worker, which is running the task
        DONE = "done"
        FAILED = "failed"  # gave up after OUTBOX_MAX_ATTEMPTS; the error says why

    task = models.CharField(max_length=200)
    args = models.JSONField(default=list, blank=True)
    kwargs = models.JSONField(default=dict, blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    due_at = models.DateTimeField(help_text="not delivered before this time (a countdown)")
    published_at = models.DateTimeField(null=True, blank=True, help_text="last handed to the broker")
    publishes = models.PositiveIntegerField(default=0)
    started_at = models.DateTimeField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=2000, blank=True)
    request_id = models.CharField(max_length=64, blank=True, help_text="the request that caused it")

    class Meta:
        indexes = [models.Index(fields=["state", "due_at"], name="outbox_state_due")]

    def __str__(self) -> str:
        return f"{self.task}{tuple(self.args)} [{self.state}]"
