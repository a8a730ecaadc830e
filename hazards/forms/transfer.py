"""Forms for imports: the file, then the options and column mapping of the dry run; river lines."""

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from .. import geo
from ..imports import files, mapping
from ..models import River

SHIFTS = [("", _("None: WGS 84, CGCS2000 or the file's own system")),
          ("gcj02", _("GCJ-02: copied from Amap (高德), Tencent or Google China")),
          ("bd09", _("BD-09: copied from Baidu maps"))]


class ImportFileField(forms.FileField):
    """An upload no larger than MAX_IMPORT_BYTES, in a format we read (files.format_of)."""

    def clean(self, data, initial=None):
        upload = super().clean(data, initial)
        if upload is None:
            return upload
        if upload.size > settings.MAX_IMPORT_BYTES:
            raise ValidationError(_("The file is larger than %(limit)s, the most an import accepts.")
                                  % {"limit": filesizeformat(settings.MAX_IMPORT_BYTES)})
        files.format_of(upload.name)
        return upload


class ImportFileForm(forms.Form):
    file = ImportFileField(
        label=_("Register file"),
        help_text=_("XLSX, CSV, GeoJSON, KML, KMZ, a zipped Shapefile or a GeoPackage."),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv,.txt,.geojson,.json,.kml,.kmz,.zip,.gpkg"}),
    )


def crs_choices():
    return [("", _("As the file says (none said: WGS 84)"))] + [
        (str(code), f"EPSG:{code} {name}") for code, name in geo.FILE_CRS.items()]


class ImportOptionsForm(forms.Form):
    """How to read the file: its coordinates, their web-map shift, bad rows; and which column holds what."""

    crs = forms.TypedChoiceField(label=_("Coordinate system"), choices=crs_choices, coerce=int, empty_value=None,
                                 required=False)
    shift = forms.ChoiceField(label=_("Coordinates copied from a web map"), choices=SHIFTS, required=False,
                              widget=forms.RadioSelect)
    skip_bad_rows = forms.BooleanField(label=_("Skip the bad rows and import the others"), required=False)

    def __init__(self, *args, headers=(), initial_mapping=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.headers = list(headers)
        choices = [("", _("— not imported —"))] + mapping.field_choices()
        for index, header in enumerate(self.headers):
            self.fields[f"map_{index}"] = forms.ChoiceField(label=header, choices=choices, required=False)
            if initial_mapping is not None:
                self.initial[f"map_{index}"] = initial_mapping.get(header, "")

    def mapping_fields(self):
        return [self[f"map_{index}"] for index in range(len(self.headers))]

    def column_mapping(self):
        """{header: field} as chosen, or None before the user has seen a mapping."""
        if not self.headers or f"map_{0}" not in self.data:
            return None
        return {header: self.cleaned_data[f"map_{i}"] for i, header in enumerate(self.headers)
                if self.cleaned_data.get(f"map_{i}")}


class RiverImportForm(forms.Form):
    file = ImportFileField(label=_("Centerline file"), required=False,
                           help_text=_("One line: GeoJSON, KML, KMZ, a zipped Shapefile, a GeoPackage."))
    river = forms.ModelChoiceField(label=_("River"), queryset=River.objects.all(), to_field_name="code")
    crs = ImportOptionsForm.base_fields["crs"]
    source_note = forms.CharField(label=_("Source"), widget=forms.Textarea(attrs={"rows": 2}),
                                  help_text=_("Who surveyed the line, when, and how accurate it is."))
    approximate = forms.BooleanField(label=_("Still approximate"), required=False)
    confirm_far = forms.BooleanField(label=_("Import even though some hazards end up far from the new line"),
                                     required=False)
