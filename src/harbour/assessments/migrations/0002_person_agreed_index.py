# An index on a young person's agreed assessments in time order: the partnership figures find each
# young person's latest agreed assessment (their current level) with it.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("assessments", "0001_initial"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="assessment",
            index=models.Index(fields=["person", "agreed_at"], name="assessment_person_agreed"),
        ),
    ]
