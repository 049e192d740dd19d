from django import forms
from django.utils.translation import gettext_lazy as _


class TestbedForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    description = forms.CharField(label=_("What it offers"), widget=forms.Textarea(attrs={"rows": 4}))
    location = forms.CharField(label=_("Location"), max_length=300)


class SlotForm(forms.Form):
    start = forms.DateTimeField(label=_("Start"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    end = forms.DateTimeField(label=_("End"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))


class BookingForm(forms.Form):
    slot = forms.IntegerField(widget=forms.HiddenInput)
    purpose = forms.CharField(label=_("What will you test?"), max_length=2000,
                              widget=forms.Textarea(attrs={"rows": 2}))
