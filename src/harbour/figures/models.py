"""The summary the dashboard reads: counts for every group of young people the filters can choose.

``harbour tick`` counts them again (summary.py) when the day changes or the last count is older than
``HARBOUR_FIGURES_REFRESH_MINUTES``. Rows hold counts keyed by measure, never a person: no id, name or
date of birth is stored here.
"""

from __future__ import annotations

from django.db import models


class FiguresSummary(models.Model):
    """One count of every group, for the periods ending on ``counted_for``."""

    counted_for = models.DateField(help_text="The day the periods and ages were worked out for (UK time).")
    counted_at = models.DateTimeField(db_index=True)
    seconds = models.FloatField(help_text="How long the count took.")
    group_count = models.PositiveIntegerField()
    rules_version = models.PositiveSmallIntegerField(
        default=1, help_text="The counting rules it was counted under (counting.RULES_VERSION)."
    )

    class Meta:
        verbose_name = "figures summary"
        verbose_name_plural = "figures summaries"

    def __str__(self) -> str:
        return f"Figures counted at {self.counted_at:%Y-%m-%d %H:%M}"


class FiguresGroupCounts(models.Model):
    """The counts for one group: a district, an age band, a gender and an ethnic group ("" = any)."""

    summary = models.ForeignKey(FiguresSummary, on_delete=models.CASCADE, related_name="groups")
    district = models.CharField(max_length=80, blank=True)
    age_band = models.CharField(max_length=80, blank=True)
    gender = models.CharField(max_length=80, blank=True)
    ethnicity = models.CharField(max_length=80, blank=True)
    counts = models.JSONField(default=dict)

    class Meta:
        verbose_name = "figures for one group"
        verbose_name_plural = "figures for each group"
        constraints = [
            models.UniqueConstraint(
                fields=["summary", "district", "age_band", "gender", "ethnicity"],
                name="figures_one_row_a_group",
            )
        ]

    def __str__(self) -> str:
        chosen = [value for value in (self.district, self.age_band, self.gender, self.ethnicity) if value]
        return ", ".join(chosen) or "All young people"
