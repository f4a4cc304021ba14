"""The figures summary that `harbour tick` keeps: the same numbers as a live count for every group the
filters can choose, counted again when due, and nothing about any one person stored in it."""

from __future__ import annotations

import datetime as dt
import io
import itertools
import re

import pytest
from django.core.management import call_command
from django.utils import timezone

from harbour.core import ticks
from harbour.core.models import Town
from harbour.figures.counting import RULES_VERSION, count_live, counts_for
from harbour.figures.filters import AGE_BANDS, PERIODS, Filters, ethnicity_groups, period_of
from harbour.figures.models import FiguresGroupCounts, FiguresSummary
from harbour.figures.selectors import _chosen
from harbour.figures.summary import refresh_if_due, summary_count, summary_counts
from harbour.people.models import Address, Gender, Person
from tests.figures.conftest import County, agree, exclude, missing, now_minus, refer, young_person


def _live_and_summary(filters: Filters) -> tuple[dict[str, int], dict[str, int]]:
    period = period_of(filters.months)
    live = count_live(period, _chosen(filters, period)).values
    found = summary_counts(filters, period.today)
    assert found is not None
    return live, counts_for(found[0], period).values


@pytest.fixture
def awkward(county: County) -> County:
    """The county, with the records that test how a young person is placed in a group."""
    lead = county.world.users["practitioner"]
    recently = now_minus(days=3)
    # Two current addresses in two districts: in each district's figures.
    movers = young_person(town="Norwich", gender="female", ethnicity="white-british", age=13)
    Address.objects.create(
        person=movers,
        line1="2 Test Road",
        town=Town.objects.get(name="Thetford"),
        starts_on=dt.date(2024, 1, 1),
    )
    # No address, gender, ethnicity or date of birth: only in the figures for "any".
    unknown = Person.objects.create(first_name="Unplaced", last_name="Figures")
    # A parent named on a referral, and a merged record: in the figures for everyone only, as live.
    parent = Person.objects.create(first_name="Parent", last_name="Figures", kind=Person.Kind.PARENT_CARER)
    merged = young_person(town="Norwich", gender="male", ethnicity="white-british", age=15)
    Person.objects.filter(pk=merged.pk).update(merged_into=county.norwich_girls[1])
    # An older young person (18 and over) and an under-10, and a long-ago referral (only in 24 months).
    adult = young_person(town="Thetford", gender="male", ethnicity="white-british", age=19)
    child = young_person(town="Norwich", gender="female", ethnicity="black-african", age=9)
    refer([movers, unknown, parent], concerns=["county-lines", "missing"], at=recently)
    refer([merged, adult], concerns=["child-criminal-exploitation"], at=now_minus(days=400))
    refer([child], concerns=["online-exploitation"], at=now_minus(days=150))
    agree(movers, level="norfolk-high", lead=lead, at=now_minus(days=200), types=["county-lines"])
    agree(movers, level="norfolk-medium", lead=lead, at=recently, types=["county-lines", "missing"])
    agree(unknown, level="norfolk-standard", lead=lead, at=now_minus(days=500))
    agree(
        adult, level="norfolk-high", lead=lead, at=now_minus(days=80), types=["child-criminal-exploitation"]
    )
    for days in (5, 40, 100, 300):
        missing(movers, started=now_minus(days=days), interview="completed", completed_after_hours=80)
    missing(unknown, started=now_minus(days=20), interview="offered")
    missing(merged, started=now_minus(days=60), interview="to-offer")
    exclude(movers, kind="suspension", on=timezone.localdate() - dt.timedelta(days=100))
    exclude(adult, kind="permanent-exclusion", on=timezone.localdate() - dt.timedelta(days=10))
    exclude(unknown, kind="suspension", on=timezone.localdate() - dt.timedelta(days=2))
    county.extra.update(movers=movers, unknown=unknown, parent=parent, merged=merged)
    return county


def test_every_group_the_filters_can_choose_has_the_live_numbers(awkward):
    summary_count()
    districts = ["", "norwich", "breckland", "north-norfolk"]
    ages = ["", *(code for code, *_ in AGE_BANDS)]
    genders = ["", *Gender.objects.values_list("code", flat=True)[:3]]
    ethnicities = ["", *(code for code, _ in ethnicity_groups())]
    compared = 0
    for district, age_band, gender, ethnicity in itertools.product(districts, ages, genders, ethnicities):
        filters = Filters(months=12, district=district, age_band=age_band, gender=gender, ethnicity=ethnicity)
        live, kept = _live_and_summary(filters)
        assert kept == live, filters
        compared += 1
    for months, _label in PERIODS:
        for district in districts:
            live, kept = _live_and_summary(Filters(months=months, district=district))
            assert kept == live, (months, district)
    assert compared > 500
    # The awkward records did count somewhere: the mover in both districts, the others for everyone only.
    _live, everyone = _live_and_summary(Filters(months=24))
    assert everyone["24|referrals.referrals|"] == 11
    _live, breckland = _live_and_summary(Filters(months=12, district="breckland"))
    assert breckland["12|missing.people|"] == 3  # the two boys and the mover


def test_the_demo_county_has_the_live_numbers_in_the_summary(reference):
    call_command("seed", scale=0.1, seed=4, stdout=io.StringIO())
    summary_count()
    chosen = [Filters()]
    chosen += [Filters(months=months) for months, _ in PERIODS]
    chosen += [
        Filters(district=code)
        for code in ("norwich", "breckland", "great-yarmouth", "kings-lynn-west-norfolk")
    ]
    chosen += [Filters(age_band=code) for code, *_ in AGE_BANDS]
    chosen += [Filters(gender=code) for code in Gender.objects.values_list("code", flat=True)]
    chosen += [Filters(ethnicity=code) for code, _ in ethnicity_groups()]
    chosen += [Filters(months=6, district="norwich", age_band="13-15", gender="female")]
    for filters in chosen:
        live, kept = _live_and_summary(filters)
        assert kept == live, filters
    _live, everyone = _live_and_summary(Filters())
    assert everyone["12|referrals.referrals|"] > 0
    assert everyone["12|missing.episodes|"] > 0
    assert sum(v for k, v in everyone.items() if k.startswith("now|risk.rank|")) > 0


def test_the_summary_keeps_counts_only(awkward):
    summary_count()
    ids = {str(pk) for pk in Person.objects.values_list("pk", flat=True)}
    uuid = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
    for row in FiguresGroupCounts.objects.all():
        text = repr(row.counts)
        assert not (set(uuid.findall(text)) & ids)
        assert all(isinstance(value, int) for value in row.counts.values())
        for name in ("Unplaced", "Girlname", "Boyname", "Parent"):
            assert name not in text


def test_the_tick_counts_again_when_due_and_keeps_one_summary(county, settings):
    settings.HARBOUR_FIGURES_REFRESH_MINUTES = 30
    now = timezone.now()
    assert refresh_if_due(now) > 0
    assert refresh_if_due(now + dt.timedelta(minutes=29)) == 0
    assert refresh_if_due(now + dt.timedelta(minutes=31)) > 0
    tomorrow = timezone.localtime(now).replace(hour=0, minute=5) + dt.timedelta(days=1)
    assert refresh_if_due(tomorrow) > 0
    assert FiguresSummary.objects.count() == 1
    assert FiguresSummary.objects.get().counted_for == timezone.localdate(tomorrow)
    assert "figures.summary" in {job.code for job in ticks.jobs()}


def test_the_page_says_when_it_was_counted_and_counts_live_without_a_summary(county, settings):
    settings.HARBOUR_SMALL_NUMBER_THRESHOLD = 0
    client = county.world.client_for("partnership-leader")
    live = client.get("/figures/").content.decode()
    assert "Counted at" not in live
    refer([county.norwich_girls[2]], concerns=["county-lines"])
    summary = summary_count()
    page = client.get("/figures/").content.decode()
    assert f"Counted at {timezone.localtime(summary.counted_at):%H:%M}" in page
    assert "counted again every 30 minutes" in page
    # A summary for another day is not read: the periods and ages have moved on.
    FiguresSummary.objects.update(counted_for=timezone.localdate() - dt.timedelta(days=1))
    assert "Counted at" not in client.get("/figures/").content.decode()


def test_a_summary_counted_under_other_rules_is_not_read_and_is_counted_again(county, settings):
    """After a deployment that changes what is counted, the page counts live (it would otherwise show a
    new measure as 0) and the next tick counts again, whatever the refresh interval."""
    settings.HARBOUR_FIGURES_REFRESH_MINUTES = 30
    now = timezone.now()
    summary_count(now)
    assert refresh_if_due(now + dt.timedelta(minutes=1)) == 0
    FiguresSummary.objects.update(rules_version=RULES_VERSION - 1)
    client = county.world.client_for("partnership-leader")
    assert "Counted at" not in client.get("/figures/").content.decode()
    assert refresh_if_due(now + dt.timedelta(minutes=1)) > 0
    assert FiguresSummary.objects.get().rules_version == RULES_VERSION
    assert "Counted at" in client.get("/figures/").content.decode()
