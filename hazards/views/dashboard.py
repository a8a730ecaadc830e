"""The leaders' dashboard (hazards/dashboard.py computes it) and its one-page PDF for the morning meeting."""

from django.contrib.auth import views as auth_views
from django.http import HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from .. import dashboard as figures
from .. import roles
from ..reports import fonts, pdf
from ..roles import role_required


@role_required()
@require_safe
def dashboard(request):
    return render(request, "dashboard/dashboard.html", {
        "d": figures.dashboard(), "show_phones": roles.may_see_phones(request.user)})


@role_required()
@require_safe
def dashboard_pdf(request):
    """The dashboard on one A4 page, in the risk lists' look."""
    fonts.cut_font_file()
    now = timezone.localtime()
    html = render_to_string("reports/dashboard_summary.html", {
        "d": figures.dashboard(), "generated_at": now, "font_url": pdf.FONT_URL + fonts.cut_font_path().name,
        "font_family": pdf.css_string(fonts.FAMILY), "fallback_family": pdf.css_string(fonts.FALLBACK_FAMILY),
        "prepared_for": request.user.get_full_name() or request.user.username,
        "selection": {"title": _("Flood-season summary, %(date)s") % {"date": f"{now:%Y-%m-%d}"}},
    }, request=request)
    response = HttpResponse(pdf.html_to_pdf(html), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="floodwatch-summary-{now:%Y-%m-%d}.pdf"'
    return response


def home_url(user):
    """Where a user lands after logging in, and where the top bar's name leads: leaders to the dashboard."""
    return reverse("hazards:dashboard") if roles.LEADER in roles.roles_of(user) else reverse("hazards:map")


class LoginView(auth_views.LoginView):
    """Django's login page; with no page asked for, leaders land on the dashboard, everyone else on the map."""

    def get_default_redirect_url(self):
        return home_url(self.request.user)
