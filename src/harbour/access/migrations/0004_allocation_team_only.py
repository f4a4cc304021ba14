# A partial index on the allocations to a team as a whole (no named worker): a team member's access
# reads them, and the team index alone made PostgreSQL read every allocation of the team to find them.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("access", "0003_expiry_recorded"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="allocation",
            index=models.Index(
                condition=models.Q(("worker__isnull", True)),
                fields=["team", "person"],
                name="allocation_team_only",
            ),
        ),
    ]
