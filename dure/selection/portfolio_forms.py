from django import forms
from django.utils.translation import gettext_lazy as _


class PortfolioForm(forms.Form):
    """The committee's rules; sector minimums get one field per sector among the candidates."""

    min_international_share = forms.DecimalField(
        label=_("Least international share of the money (%)"), min_value=0, max_value=100, decimal_places=1,
        help_text=_("The programme's target; 0 switches it off."))
    organisation_cap = forms.IntegerField(label=_("Most projects per lead organisation"), min_value=1,
                                          required=False, help_text=_("Leave empty for no cap."))
    must_include = forms.MultipleChoiceField(label=_("The committee funds these in any case"), required=False,
                                             widget=forms.CheckboxSelectMultiple)
    must_exclude = forms.MultipleChoiceField(label=_("The committee does not fund these"), required=False,
                                             widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, proposals: list[tuple[str, str]], sectors: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["must_include"].choices = proposals
        self.fields["must_exclude"].choices = proposals
        self.sector_codes = []
        for code, name in sectors:
            self.fields[f"sector_{code}"] = forms.IntegerField(
                label=_("Least projects in %(sector)s") % {"sector": name}, min_value=0, max_value=1000,
                required=False)
            self.sector_codes.append(code)

    def clean(self):
        data = super().clean()
        both = set(data.get("must_include") or ()) & set(data.get("must_exclude") or ())
        if both:
            raise forms.ValidationError(_("A proposal cannot be both funded in any case and excluded."))
        return data

    def sector_minimums(self) -> dict[str, int]:
        return {c: self.cleaned_data.get(f"sector_{c}") or 0 for c in self.sector_codes}


class WhatIfForm(forms.Form):
    """Change one budget and/or the share target of a saved run (read-only: nothing is saved)."""

    wi_budget = forms.ChoiceField(label=_("Budget to change"), required=False)
    wi_amount = forms.IntegerField(label=_("New amount left (KRW)"), min_value=0, required=False)
    wi_share = forms.DecimalField(label=_("New international share target (%)"), min_value=0, max_value=100,
                                  decimal_places=1, required=False)

    def __init__(self, *args, budgets: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["wi_budget"].choices = [("", "—"), *budgets]

    def clean(self):
        data = super().clean()
        if bool(data.get("wi_budget")) != (data.get("wi_amount") is not None):
            raise forms.ValidationError(_("Choose a budget and give its new amount together."))
        if not data.get("wi_budget") and data.get("wi_share") is None:
            raise forms.ValidationError(_("Change a budget or the share target."))
        return data
