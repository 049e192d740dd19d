"""The proposal form: its fields depend on the call (years, track) and the consortium (members)."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from dure.organisations.models import Organisation
from dure.partners.models import Consortium, MemberRole
from dure.programmes.models import Call, Technology
from dure.proposals.actions import MemberInput, ProposalInput
from dure.proposals.models import Proposal


class ProposalForm(forms.Form):
    technology = forms.ModelChoiceField(Technology.objects.none(), label=_("Technology"))
    title = forms.CharField(label=_("Title"), max_length=300)
    abstract = forms.CharField(label=_("Abstract"), widget=forms.Textarea)
    plain_summary = forms.CharField(
        label=_("Plain-language summary"), widget=forms.Textarea(attrs={"rows": 3}), required=False,
        help_text=_("Shown to the public if the project is funded; no jargon."),
    )
    ip_licence_plan = forms.CharField(
        label=_("IP licence plan"), widget=forms.Textarea(attrs={"rows": 3}), required=False,
        help_text=_("How Korean companies will obtain a licence (실시권) to the results."),
    )
    foreign_partner = forms.ModelChoiceField(
        Organisation.objects.none(), label=_("Foreign partner"), required=False,
        help_text=_("A consortium member outside Korea with the foreign partner role."),
    )
    cooperation_need = forms.CharField(
        label=_("Why international cooperation is needed"), widget=forms.Textarea(attrs={"rows": 3}), required=False,
    )
    attachment = forms.FileField(
        label=_("Proposal document (PDF, optional)"), required=False,
        widget=forms.FileInput(attrs={"accept": "application/pdf"}),
    )

    def __init__(self, call: Call, consortium: Consortium, *args, proposal: Proposal | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.call = call
        self.consortium = consortium
        self.fields["technology"].queryset = Technology.objects.filter(track_id=call.track_id).order_by("code")
        members = list(consortium.members.select_related("organisation").order_by("pk"))
        self.member_orgs = [m.organisation for m in members]
        self.fields["foreign_partner"].queryset = Organisation.objects.filter(pk__in=[o.pk for o in self.member_orgs])
        if call.requires_foreign_partner:
            self.fields["foreign_partner"].help_text = _("Required by this call: a consortium member outside Korea.")
        existing = {m.organisation_id: m for m in proposal.members.all()} if proposal else {}
        self.member_rows = []
        for m in members:
            org = m.organisation
            saved = existing.get(org.pk)
            role_name, share_name = f"role_{org.pk}", f"share_{org.pk}"
            self.fields[role_name] = forms.ChoiceField(
                label=_("Role of %(org)s") % {"org": org.display_name}, choices=MemberRole.choices,
                initial=saved.role if saved else m.role,
            )
            self.fields[role_name].widget.attrs["aria-label"] = self.fields[role_name].label
            self.fields[share_name] = forms.DecimalField(
                label=_("Budget share of %(org)s (%%)") % {"org": org.display_name}, min_value=Decimal(0),
                max_value=Decimal(100), max_digits=5, decimal_places=2,
                initial=saved.budget_share_pct if saved else None,
            )
            self.fields[share_name].widget.attrs["aria-label"] = self.fields[share_name].label
            self.member_rows.append((org, role_name, share_name))
        budgets = {b.year: b.amount_krw for b in proposal.budget_years.all()} if proposal else {}
        self.budget_names = []
        for year in call.years:
            name = f"budget_{year}"
            self.fields[name] = forms.IntegerField(
                label=_("Budget requested for %(year)d (KRW)") % {"year": year}, min_value=0, required=False,
                max_value=10**15, initial=budgets.get(year),
            )
            self.budget_names.append(name)
        if proposal is not None:
            for name in ("technology", "title", "abstract", "plain_summary", "ip_licence_plan", "foreign_partner", "cooperation_need"):
                self.fields[name].initial = getattr(proposal, name)

    # Groups for the template.
    def member_fields(self):
        return [(org, self[role], self[share]) for org, role, share in self.member_rows]

    def budget_fields(self):
        return [self[name] for name in self.budget_names]

    def text_fields(self):
        return [self[n] for n in ("technology", "title", "abstract", "plain_summary", "ip_licence_plan")]

    def international_fields(self):
        return [self["foreign_partner"], self["cooperation_need"]]

    def to_input(self) -> ProposalInput:
        d = self.cleaned_data
        members = tuple(
            MemberInput(organisation=org, role=d[role], budget_share_pct=d[share])
            for org, role, share in self.member_rows
        )
        budget = {int(name.removeprefix("budget_")): d[name] for name in self.budget_names if d.get(name) is not None}
        return ProposalInput(
            technology=d["technology"], title=d["title"], abstract=d["abstract"], members=members,
            budget_by_year=budget, plain_summary=d.get("plain_summary", ""), ip_licence_plan=d.get("ip_licence_plan", ""),
            foreign_partner=d.get("foreign_partner"), cooperation_need=d.get("cooperation_need", ""),
        )


def form_data_of(proposal: Proposal, consortium: Consortium) -> dict[str, str]:
    """The saved proposal as form data, to show submission problems next to their fields."""
    data = {
        "technology": str(proposal.technology_id or ""), "title": proposal.title, "abstract": proposal.abstract,
        "plain_summary": proposal.plain_summary, "ip_licence_plan": proposal.ip_licence_plan,
        "foreign_partner": str(proposal.foreign_partner_id or ""), "cooperation_need": proposal.cooperation_need,
    }
    saved = {m.organisation_id: m for m in proposal.members.all()}
    for m in consortium.members.all():
        s = saved.get(m.organisation_id)
        data[f"role_{m.organisation_id}"] = s.role if s else m.role
        data[f"share_{m.organisation_id}"] = str(s.budget_share_pct) if s else "0"
    for b in proposal.budget_years.all():
        data[f"budget_{b.year}"] = str(b.amount_krw)
    return data
