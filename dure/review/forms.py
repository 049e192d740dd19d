from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from dure.selection.models import Outcome


class StageDecisionForm(forms.Form):
    proposal = forms.IntegerField(widget=forms.HiddenInput)
    outcome = forms.ChoiceField(label=_("Decision"), choices=[(Outcome.PASS, _("Moves on")), (Outcome.FAIL, _("Stops here"))])
    reason = forms.CharField(label=_("Reason (the applicant reads it)"), widget=forms.Textarea(attrs={"rows": 2}))


class AssignForm(forms.Form):
    proposal = forms.IntegerField(widget=forms.HiddenInput)
    reviewer = forms.IntegerField(label=_("Reviewer"))


class ConflictDecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("confirm", _("Confirm")), ("dismiss", _("Dismiss"))])
    reason = forms.CharField(label=_("Reason"), max_length=2000)


class DeclareConflictForm(forms.Form):
    reason = forms.CharField(label=_("Why you cannot review this proposal"), widget=forms.Textarea(attrs={"rows": 2}))


class ReviewForm(forms.Form):
    """Scores per criterion (0..max, steps of 0.1), confidence, comment and an optional question."""

    def __init__(self, *args, criteria=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.criteria = list(criteria)
        weight = _("weight")
        for c in self.criteria:
            self.fields[f"criterion_{c.pk}"] = forms.DecimalField(
                label=f"{c.name} (0–{c.max_score}, {weight} {c.weight:g})",
                min_value=Decimal(0), max_value=Decimal(c.max_score), max_digits=4, decimal_places=1,
                widget=forms.NumberInput(attrs={"step": "0.1", "min": "0", "max": str(c.max_score)}),
            )
        self.fields["confidence"] = forms.TypedChoiceField(
            label=_("Your confidence"), coerce=int,
            choices=[(i, str(i)) for i in range(1, 6)], initial=3,
            help_text=_("1 = outside my field, 5 = my own field"),
        )
        self.fields["comment_to_applicant"] = forms.CharField(
            label=_("Comment to the applicant"), widget=forms.Textarea(attrs={"rows": 6}), max_length=20000
        )
        self.fields["question_to_applicant"] = forms.CharField(
            label=_("Question to the applicant (optional)"), required=False,
            widget=forms.Textarea(attrs={"rows": 2}), max_length=4000,
        )

    def scores(self) -> dict[int, Decimal]:
        return {c.pk: self.cleaned_data[f"criterion_{c.pk}"] for c in self.criteria}


class UnsealRequestForm(forms.Form):
    proposal = forms.IntegerField(label=_("Proposal number"), min_value=1)
    reason = forms.CharField(label=_("Reason for unsealing"), widget=forms.Textarea(attrs={"rows": 3}))


class PanelCommentForm(forms.Form):
    body = forms.CharField(label=_("Your comment (shown under your pseudonym)"),
                           widget=forms.Textarea(attrs={"rows": 3}), max_length=10000)


class ConsensusForm(forms.Form):
    consensus_score = forms.DecimalField(
        label=_("Consensus score (0–10)"), min_value=Decimal(0), max_value=Decimal(10), max_digits=3, decimal_places=1,
        widget=forms.NumberInput(attrs={"step": "0.1", "min": "0", "max": "10"}),
    )
    summary_for_applicant = forms.CharField(label=_("Panel summary for the applicant"),
                                            widget=forms.Textarea(attrs={"rows": 5}), max_length=20000)


class RebuttalForm(forms.Form):
    answer = forms.CharField(label=_("Your answer to the reviewers' questions (one answer only)"),
                             widget=forms.Textarea(attrs={"rows": 8}), max_length=20000)
