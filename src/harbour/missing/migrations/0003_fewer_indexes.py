# Indexes no query uses come off the episodes (foreign keys to reference data, the placement agency,
# who recorded it, the police reference, and person alone, which the (person, started_at) index serves),
# off the interviews (decline reason, who recorded it) and the rows kept for review (the LIKE twin of
# the import key's unique index): each one cost every row a police log import writes. See models.py.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("core", "0002_cache_table"),
        ("missing", "0002_episode_log_import"),
        ("people", "0004_matching_indexes"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name="missingepisode",
            name="found_by",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="missing.foundby",
            ),
        ),
        migrations.AlterField(
            model_name="missingepisode",
            name="found_town",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                to="core.town",
            ),
        ),
        migrations.AlterField(
            model_name="missingepisode",
            name="kind",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="missing.episodekind",
            ),
        ),
        migrations.AlterField(
            model_name="missingepisode",
            name="person",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="missing_episodes",
                to="people.person",
            ),
        ),
        migrations.AlterField(
            model_name="missingepisode",
            name="placement_agency",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                help_text="The placement provider, when it is an agency known to Harbour.",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="accounts.agency",
            ),
        ),
        migrations.AlterField(
            model_name="missingepisode",
            name="police_reference",
            field=models.CharField(blank=True, max_length=60),
        ),
        migrations.AlterField(
            model_name="missingepisode",
            name="recorded_by",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AlterField(
            model_name="missingepisode",
            name="return_method",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="missing.returnmethod",
            ),
        ),
        migrations.AlterField(
            model_name="missingepisode",
            name="risk_grade",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="missing.policeriskgrade",
            ),
        ),
        migrations.AlterField(
            model_name="missingepisode",
            name="setting",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="missing.missingsetting",
            ),
        ),
        migrations.AlterField(
            model_name="returninterview",
            name="decline_reason",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="missing.declinereason",
            ),
        ),
        migrations.AlterField(
            model_name="returninterview",
            name="recorded_by",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AlterField(
            model_name="unmatchedlogrow",
            name="import_key",
            field=models.CharField(max_length=64),
        ),
        migrations.AddConstraint(
            model_name="unmatchedlogrow",
            constraint=models.UniqueConstraint(fields=("import_key",), name="missing_unmatched_import_once"),
        ),
    ]
