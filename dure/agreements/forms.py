from django import forms
from django.utils.translation import gettext_lazy as _

from dure.organisations.models import Organisation


class IPTermsForm(forms.Form):
    ownership = forms.CharField(label=_("Who owns the results"), widget=forms.Textarea,
                                help_text=_("For example: each organisation owns what it creates; joint results are shared."))
    licensee = forms.ModelChoiceField(Organisation.objects.none(), label=_("Licensee (a consortium member)"), required=False,
                                      help_text=_("International projects need a Korean company here."))
    licence_scope = forms.CharField(label=_("Licence to practise (실시권) granted"), widget=forms.Textarea, required=False)
    exclusive = forms.BooleanField(label=_("Exclusive licence"), required=False)
    royalty_terms = forms.CharField(label=_("Royalty terms"), widget=forms.Textarea, required=False)

    def __init__(self, *args, members=None, **kwargs):
        super().__init__(*args, **kwargs)
        if members is not None:
            self.fields["licensee"].queryset = members


class MilestoneForm(forms.Form):
    title = forms.CharField(label=_("Milestone"), max_length=300)
    due = forms.DateField(label=_("Due"), widget=forms.DateInput(attrs={"type": "date"}))


class DispatchForm(forms.Form):
    researcher_name = forms.CharField(label=_("Researcher's name"), max_length=200)
    home_organisation = forms.ModelChoiceField(Organisation.objects.none(), label=_("Home organisation"))
    host_organisation = forms.ModelChoiceField(Organisation.objects.none(), label=_("Host (foreign cooperation centre)"))
    start = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("Until"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, home=None, hosts=None, **kwargs):
        super().__init__(*args, **kwargs)
        if home is not None:
            self.fields["home_organisation"].queryset = home
        if hosts is not None:
            self.fields["host_organisation"].queryset = hosts
