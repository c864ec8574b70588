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
