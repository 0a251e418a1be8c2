"""The upload form: a file (or the token of one uploaded for a preview), a source or a new one,
and the mapping as editable YAML."""

from django import forms
from django.conf import settings

from .mapping import (
    Mapping,
    MappingError,
    load_mapping,
    parse_mapping,
    parse_mapping_text,
    preset_names,
)
from .models import Source
from .services import mapping_for_source
from .sniffing import megabytes

MAPPING_TEXT_MAX_CHARS = 100_000  # a mapping is a few hundred lines of YAML


class UploadForm(forms.Form):
    file = forms.FileField(
        required=False, help_text="CSV (or .csv.gz), GeoJSON or zipped Shapefile."
    )
    upload_token = forms.CharField(required=False, widget=forms.HiddenInput)
    source = forms.ModelChoiceField(
        queryset=Source.objects.all(), required=False, empty_label="— a new source —"
    )
    new_source = forms.CharField(required=False, max_length=100, label="New source name")
    preset = forms.ChoiceField(required=False, label="Start from preset")
    mapping_text = forms.CharField(
        required=False,
        max_length=MAPPING_TEXT_MAX_CHARS,
        label="Mapping (YAML or JSON)",
        widget=forms.Textarea(attrs={"rows": 16, "spellcheck": "false", "class": "code"}),
        help_text="Blank: the preset above, else the source's own mapping.",
    )
    strict = forms.BooleanField(required=False, label="Strict: apply all rows or none")

    def __init__(self, *args, refused_upload: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.refused_upload = refused_upload  # the upload stopped at UPLOAD_MAX_BYTES, and why
        self.fields["preset"].choices = [("", "—")] + [(p, p) for p in preset_names()]

    def clean_file(self):
        uploaded = self.cleaned_data.get("file")
        if self.refused_upload:
            raise forms.ValidationError(self.refused_upload)
        if uploaded and uploaded.size > settings.UPLOAD_MAX_BYTES:
            raise forms.ValidationError(
                f"{uploaded.name} is {megabytes(uploaded.size)}; files of at most"
                f" {megabytes(settings.UPLOAD_MAX_BYTES)} can be uploaded."
            )
        return uploaded

    def clean(self):
        data = super().clean()
        if not data.get("file") and not data.get("upload_token") and not self.refused_upload:
            self.add_error("file", "Choose a file.")
        source, name = data.get("source"), (data.get("new_source") or "").strip()
        if source is None:
            if not name:
                self.add_error("new_source", "Choose a source or name a new one.")
            elif Source.objects.filter(name=name).exists():
                self.add_error("new_source", "A source with this name exists: choose it above.")
        data["source_name"] = source.name if source else name
        try:
            data["mapping"] = self._mapping(data)
        except MappingError as exc:
            self.add_error("mapping_text", str(exc))
        return data

    def _mapping(self, data) -> Mapping:
        text = (data.get("mapping_text") or "").strip()
        if text:
            return parse_mapping(parse_mapping_text(text), preset=data.get("preset") or "")
        if data.get("preset"):
            return load_mapping(data["preset"])
        if data.get("source"):
            return mapping_for_source(data["source"])
        return load_mapping(None)
