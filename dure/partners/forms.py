from django import forms
from django.utils.translation import gettext_lazy as _

from dure.organisations.models import Organisation, OrgKind
from dure.partners.models import MemberRole
from dure.programmes.models import Technology


class DemandForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=300)
    description = forms.CharField(label=_("What your company needs"), widget=forms.Textarea)
    competences = forms.CharField(
        label=_("Competences needed"),
        help_text=_("One per line or separated by commas."),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )
    technology = forms.ModelChoiceField(
        Technology.objects.select_related("track").order_by("track__order", "code"),
        label=_("Technology of the programme (optional)"),
        required=False,
    )

    def clean_competences(self) -> list[str]:
        raw = self.cleaned_data.get("competences", "")
        parts = [p.strip() for line in raw.splitlines() for p in line.split(",")]
        return [p for p in parts if p]


class OfferForm(forms.Form):
    company = forms.ModelChoiceField(
        Organisation.objects.filter(kind__in=[OrgKind.SME, OrgKind.LARGE]).order_by("name_en"),
        label=_("Company"),
        required=False,
        help_text=_("Leave empty when you answer a demand: the demand's company is used."),
    )
    message = forms.CharField(label=_("Your proposal to the company"), widget=forms.Textarea)
    commercialisation_goal = forms.CharField(
        label=_("Commercialisation goal"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What the company will be able to make or sell, and when."),
    )


class ConsortiumForm(forms.Form):
    name = forms.CharField(label=_("Consortium name"), max_length=200)


class OrganisationSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Find an organisation"),
        help_text=_("Name in English or Korean, acronym or ROR id."),
        max_length=100,
        required=False,
    )


class AddMemberForm(forms.Form):
    organisation = forms.ModelChoiceField(Organisation.objects.all(), label=_("Organisation"), widget=forms.HiddenInput)
    role = forms.ChoiceField(
        label=_("Role in the consortium"),
        choices=[(v, label) for v, label in MemberRole.choices if v != MemberRole.LEAD],
    )
