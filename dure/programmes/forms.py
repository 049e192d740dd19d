from django import forms
from django.utils.translation import gettext_lazy as _

from dure.programmes.models import Track


class CallForm(forms.Form):
    track = forms.ModelChoiceField(Track.objects.all(), label=_("Track"))
    name_ko = forms.CharField(label=_("Title (Korean)"), max_length=300)
    name_en = forms.CharField(label=_("Title (English)"), max_length=300)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea, required=False)
    opens_at = forms.DateTimeField(label=_("Opens"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    deadline = forms.DateTimeField(label=_("Deadline"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    grace_seconds = forms.IntegerField(label=_("Grace period after the deadline (seconds)"), min_value=0, max_value=3600, initial=0)
    first_year = forms.IntegerField(label=_("First year"), min_value=2024, max_value=2040)
    duration_years = forms.IntegerField(label=_("Duration (years)"), min_value=1, max_value=10, initial=3)
    max_budget_per_year_krw = forms.IntegerField(label=_("Budget cap per project and year (KRW)"), min_value=1)
    min_members = forms.IntegerField(label=_("Minimum consortium members"), min_value=1, max_value=20, initial=2)
    max_members = forms.IntegerField(label=_("Maximum consortium members"), min_value=1, max_value=20, initial=8)
    requires_foreign_partner = forms.BooleanField(label=_("A foreign partner is required"), required=False)
    requires_company = forms.BooleanField(label=_("A company must be a member"), required=False, initial=True)
    requires_sme = forms.BooleanField(label=_("An SME must be a member"), required=False)
    requires_ip_plan = forms.BooleanField(label=_("An IP licence plan is required"), required=False, initial=True)
    requires_industry_reviewer = forms.BooleanField(label=_("At least one industry reviewer per proposal"), required=False, initial=True)
    reviewers_per_proposal = forms.IntegerField(label=_("Reviewers per proposal"), min_value=1, max_value=10, initial=3)
    allows_rebuttal = forms.BooleanField(label=_("Applicants may answer reviewers' questions once"), required=False)
