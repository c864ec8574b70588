from django.urls import path

from . import account

app_name = "account"

urlpatterns = [
    path("", account.profile, name="profile"),
    path("tokens/<int:pk>/revoke/", account.token_revoke, name="token-revoke"),
]
