from django import forms
from django.utils.translation import gettext_lazy as _

from dure.techmap.models import CooperationLevel


class OverrideForm(forms.Form):
    technology = forms.CharField(widget=forms.HiddenInput, max_length=30)
    level = forms.ChoiceField(label=_("Decision"), choices=CooperationLevel.choices)
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000,
                             help_text=_("Recorded in the audit log with your name."))


class SimilarForm(forms.Form):
    text = forms.CharField(label=_("Project text (Korean or English)"), required=False, max_length=20000,
                           widget=forms.Textarea(attrs={"rows": 6}))
    proposal = forms.IntegerField(label=_("Or a proposal number"), required=False, min_value=1)
