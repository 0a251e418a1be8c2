"""Model artifacts move from files under MEDIA_ROOT/models/ into the database (ModelArtifact), so
that workers on other machines can read them (docs/adr/0016-workers-and-queues.md). A version whose
file is gone keeps no artifact and must be retrained; the old files may then be deleted."""

from pathlib import Path

from django.conf import settings
from django.db import migrations, models


def copy_files_in(apps, schema_editor):
    ModelVersion = apps.get_model("forecasting", "ModelVersion")
    ModelArtifact = apps.get_model("forecasting", "ModelArtifact")
    for version in ModelVersion.objects.exclude(artifact="").only("pk", "artifact").iterator():
        path = Path(settings.MEDIA_ROOT) / version.artifact.name
        if path.is_file():
            ModelArtifact.objects.create(version_id=version.pk, data=path.read_bytes())


class Migration(migrations.Migration):
    dependencies = [("forecasting", "0003_schedule_training_and_forecasts")]

    operations = [
        migrations.CreateModel(
            name="ModelArtifact",
            fields=[
                ("version", models.OneToOneField(
                    on_delete=models.deletion.CASCADE, primary_key=True, serialize=False,
                    related_name="stored_artifact", to="forecasting.modelversion")),
                ("data", models.BinaryField()),
            ],
        ),
        migrations.RunPython(copy_files_in, migrations.RunPython.noop),
        migrations.RemoveField(model_name="modelversion", name="artifact"),
        migrations.AlterField(
            model_name="modelartifact", name="version",
            field=models.OneToOneField(
                on_delete=models.deletion.CASCADE, primary_key=True, serialize=False,
                related_name="artifact", to="forecasting.modelversion"),
        ),
    ]
