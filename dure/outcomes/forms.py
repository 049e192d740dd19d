from django import forms
from django.utils.translation import gettext_lazy as _


class OutcomeForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    papers = forms.IntegerField(label=_("Papers"), min_value=0, initial=0)
    patents = forms.IntegerField(label=_("Patents (applied or granted)"), min_value=0, initial=0)
    licences = forms.IntegerField(label=_("Licences granted"), min_value=0, initial=0)
    transfer_fee_krw = forms.IntegerField(label=_("Technology transfer fees (KRW)"), min_value=0, initial=0)
    revenue_krw = forms.IntegerField(label=_("Revenue from the results (KRW)"), min_value=0, initial=0)
    jobs = forms.IntegerField(label=_("Jobs created"), min_value=0, initial=0)
    note = forms.CharField(label=_("Note"), widget=forms.Textarea, required=False, max_length=4000)
