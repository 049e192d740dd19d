from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from dure.accounts.errors import ActionError
from dure.accounts.models import Role
from dure.accounts.permissions import NotFoundOrForbidden, role_required
from dure.agreements.selectors import access_agreement_by_id
from dure.outcomes import actions, charts, selectors
from dure.outcomes.dashboard import OUTCOME_FIELDS, build_dashboard
from dure.outcomes.export import dashboard_workbook
from dure.outcomes.forms import OutcomeForm
from dure.outcomes.pdf import dashboard_pdf
from dure.outcomes.plausibility import OutcomeInput


@role_required(Role.MANAGER, Role.COMPANY, Role.RESEARCH)
def outcome_report(request, agreement_id: int):
    agreement = access_agreement_by_id(request.user, agreement_id)
    can_report = selectors.can_report_outcomes(request.user, agreement) and agreement.status == "signed"
    if request.method == "POST" and not can_report:
        raise NotFoundOrForbidden()
    form = OutcomeForm(request.POST or None, initial={"year": timezone.now().year})
    if request.method == "POST" and form.is_valid():
        try:
            report = actions.check_submit_outcome_report(request.user, agreement, OutcomeInput(**form.cleaned_data))
        except ActionError as exc:
            for field, errors in exc.problems.items():
                for e in errors:
                    form.add_error(field if field in form.fields else None, e)
        else:
            messages.success(request, _("Outcome report for %(year)s saved.") % {"year": report.year})
            for flag in report.plausibility_flags:
                messages.warning(request, _("Please check: %(warning)s") % {"warning": flag})
            return redirect("outcome-report", agreement_id=agreement.pk)
    return render(request, "outcomes/outcome_report.html", {
        "agreement": agreement, "reports": selectors.reports_of(agreement), "form": form, "can_report": can_report,
    }, status=400 if form.errors else 200)


@role_required(Role.MANAGER)
def manager_dashboard(request):
    dash = build_dashboard()
    context = {"dash": dash, "outcome_fields": OUTCOME_FIELDS}
    if dash.programme is not None:
        context["figures"] = [
            charts.chart("fig-money", _("Money committed and budget per track and year"),
                         charts.money_by_track_year(dash.money)),
            charts.chart("fig-share", _("International share of committed money against the target"),
                         charts.international_share(dash.international_share, dash.target)),
            charts.chart("fig-outcomes", _("Outcomes reported per year"), charts.outcomes_over_time(dash.outcomes_by_year)),
        ]
    return render(request, "outcomes/dashboard.html", context)


@role_required(Role.MANAGER)
def manager_dashboard_xlsx(request):
    content = dashboard_workbook(build_dashboard())
    response = HttpResponse(content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="dure-dashboard-{timezone.now():%Y%m%d}.xlsx"'
    return response


@role_required(Role.MANAGER)
def manager_dashboard_pdf(request):
    lang = "ko" if (get_language() or "ko").startswith("ko") else "en"
    content = dashboard_pdf(build_dashboard(), lang)
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="dure-dashboard-{timezone.now():%Y%m%d}-{lang}.pdf"'
    return response
