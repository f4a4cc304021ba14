# Each episode a police log import creates names the import: "which import created this episode?"

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("missing", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="missingepisode",
            name="log_import",
            field=models.ForeignKey(
                blank=True,
                help_text="The police log import that created this episode (none when recorded by staff).",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="episodes",
                to="missing.policelogimport",
            ),
        ),
    ]
