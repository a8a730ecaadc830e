from django import forms
from django.utils.translation import gettext_lazy as _

from .. import photos


class PhotoField(forms.FileField):
    """A photo, checked and prepared (photos.prepare) while the form is validated, before any transaction.

    Its cleaned value is a photos.PreparedPhoto: saving it only writes files and a row.
    """

    widget = forms.ClearableFileInput

    def widget_attrs(self, widget):
        return {**super().widget_attrs(widget), "accept": "image/jpeg,image/png,image/webp"}

    def clean(self, data, initial=None):
        upload = super().clean(data, initial)
        return photos.prepare(upload) if upload else upload


class MultiplePhotoInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultiplePhotoField(PhotoField):
    """Several photos in one input; each is checked and prepared before anything is saved."""

    widget = MultiplePhotoInput

    def clean(self, data, initial=None):
        files = [f for f in (data if isinstance(data, (list, tuple)) else [data]) if f]
        return [super(MultiplePhotoField, self).clean(f, initial) for f in files]


class PhotosForm(forms.Form):
    """Photos that survive a failed submit: they are kept for the next try."""

    photos = MultiplePhotoField(label=_("Photos"), required=False)
    kept_photos = forms.CharField(widget=forms.HiddenInput, required=False)
    kept_count = 0

    def clean_kept_photos(self):
        return photos.unstash(self.cleaned_data["kept_photos"])

    def all_photos(self):
        """The prepared photos of this submit: those kept from the last try, then those chosen now."""
        return self.cleaned_data.get("kept_photos", []) + self.cleaned_data.get("photos", [])

    def keep_photos(self):
        """After a failed submit, keep the photos that passed their checks."""
        if self.is_valid() or not self.is_bound:
            return
        kept = self.all_photos()
        self.data = self.data.copy()
        self.data[self.add_prefix("kept_photos")] = photos.stash(kept)
        self.kept_count = len(kept)

    def forget_kept_photos(self):
        """After a successful save, the kept copies are no longer needed."""
        photos.discard(self.cleaned_data.get("kept_photos", []))
