from django import forms
from django.utils.translation import gettext_lazy as _

from dure.expertise.pipeline import MODES


class DetectForm(forms.Form):
    window = forms.IntegerField(label=_("Co-authorship window (years)"), min_value=0, max_value=50, initial=3)


class RunForm(forms.Form):
    mode = forms.ChoiceField(label=_("Mode"), choices=[
        ("optimal", _("Optimal: highest total affinity")),
        ("fair", _("Fair: lift the worst-served proposal")),
        ("randomized", _("Randomized: cap every pair's probability")),
    ], initial="optimal")
    seed = forms.IntegerField(label=_("Seed (randomized mode)"), required=False, min_value=0,
                              max_value=2**62)
    max_probability = forms.FloatField(label=_("Largest probability of any pair, Q (randomized mode)"),
                                       required=False, min_value=0.01, max_value=1.0, initial=0.5)
    balance = forms.BooleanField(label=_("Balance backgrounds (no background takes every seat)"), required=False,
                                 initial=True)

    def clean_mode(self):
        mode = self.cleaned_data["mode"]
        if mode not in MODES:
            raise forms.ValidationError(_("Choose a mode."))
        return mode


class PairForm(forms.Form):
    proposal = forms.IntegerField()
    reviewer = forms.IntegerField()
    op = forms.ChoiceField(choices=[("pin", _("Pin")), ("forbid", _("Forbid")), ("release", _("Release"))])


class OpenAlexForm(forms.Form):
    work_ids = forms.CharField(label=_("OpenAlex work ids (W…), separated by spaces or commas"), max_length=2000)
