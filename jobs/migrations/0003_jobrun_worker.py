from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("jobs", "0002_schedule_close_stale_jobs"),
    ]

    operations = [
        migrations.AddField(
            model_name="jobrun",
            name="worker",
            field=models.CharField(
                blank=True, help_text="host:pid of the process running the job.", max_length=200
            ),
        ),
    ]
