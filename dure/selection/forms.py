from django import forms
from django.utils.translation import gettext_lazy as _


class PublishSeedForm(forms.Form):
    seed = forms.CharField(
        label=_("Public seed value for the lottery"), max_length=200,
        help_text=_("A value nobody controls, published before the draw: e.g. the date and that week's lottery "
                    "numbers. It goes into the audit log now; the next ranking run draws with it."),
    )


class RankForm(forms.Form):
    places = forms.IntegerField(
        label=_("Places to fund (optional)"), min_value=0, required=False,
        help_text=_("Leave empty to use every place the track budget allows."),
    )


class FundingDecisionForm(forms.Form):
    funded = forms.TypedChoiceField(
        label=_("Decision"), coerce=lambda v: v == "yes",
        choices=[("yes", _("Fund")), ("no", _("Do not fund"))],
    )
    reason = forms.CharField(label=_("Reason (the applicant reads it)"), widget=forms.Textarea(attrs={"rows": 2}))
