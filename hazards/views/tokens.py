"""The profile page's API tokens: made and revoked by the user (admins do the same in the admin)."""

from django import forms
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from ..models import ApiToken
from ..roles import role_required


class TokenForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("What the token is for"), max_length=100,
                           help_text=gettext_lazy("e.g. QGIS on the office PC, the nightly script"))


@role_required()
def token_list(request):
    """List the user's tokens; POST makes one, shown once on this page and never again."""
    form = TokenForm(request.POST if request.method == "POST" else None)
    new_key = None
    if request.method == "POST" and form.is_valid():
        token = ApiToken(user=request.user, name=form.cleaned_data["name"])
        new_key = token.new_key()
        token.save()
        form = TokenForm()
    tokens = request.user.api_tokens.order_by("revoked_at", "-created_at")
    return render(request, "account/tokens.html", {"form": form, "tokens": tokens, "new_key": new_key},
                  status=400 if form.errors else 200)


@require_POST
@role_required()
def token_revoke(request, pk):
    token = get_object_or_404(ApiToken, pk=pk, user=request.user)
    token.revoke()
    messages.success(request, _("Token “%(name)s” revoked: programs using it are refused from now on.") % {"name": token.name})
    return redirect("hazards:api-tokens")
