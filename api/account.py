"""The user's own account page: who they are, and their personal API tokens — made (the key shown
once), listed (never the key again) and revoked."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from core.errors import attempt

from . import tokens
from .models import ApiToken

NEW_KEY = "api_token_new_key"


class TokenForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("令牌名称"), max_length=100)
    days = forms.IntegerField(
        label=gettext_lazy("有效天数"), min_value=1, max_value=settings.API_TOKEN_MAX_DAYS,
        initial=settings.API_TOKEN_DEFAULT_DAYS,
    )  # fmt: skip


@never_cache
@login_required
def profile(request):
    form = TokenForm(request.POST if request.method == "POST" else None)
    status = 200
    if form.is_bound:
        if form.is_valid():
            with attempt(request, form=form) as outcome:
                token, key = tokens.token_create(
                    user=request.user, name=form.cleaned_data["name"], days=form.cleaned_data["days"]
                )
            if outcome.ok:
                request.session[NEW_KEY] = {"id": token.pk, "key": key}
                messages.success(request, _("令牌已创建。"))
                return redirect("account:profile")
        status = 400
    new = request.session.pop(NEW_KEY, None)  # shown once, then gone
    return render(
        request,
        "api/profile.html",
        {"form": form, "tokens": ApiToken.objects.filter(user=request.user), "new": new},
        status=status,
    )


@login_required
@require_POST
def token_revoke(request, pk):
    token = get_object_or_404(ApiToken, pk=pk, user=request.user)  # another's token: not found
    with attempt(request) as outcome:
        tokens.token_revoke(token=token, by=request.user)
    if outcome.ok:
        messages.success(request, _("令牌“%(name)s”已撤销。") % {"name": token.name})
    return redirect("account:profile")
