"""The partnership figures: the numbers on a small hand-made county, the filters, small-number
suppression, and the page itself (who may open it, what it audits, what it never shows)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from harbour.audit.models import AuditEvent
from harbour.figures.filters import FiguresFilterForm, Filters, month_label, period_of
from harbour.figures.selectors import figures_for
from harbour.figures.summary import summary_count
from harbour.missing.models import ReturnInterview
from tests.figures.conftest import County, agree, exclude, missing, now_minus, refer, young_person
from tests.figures.helpers import cell, chart_values, headline

THIS_MONTH = month_label(timezone.localdate().replace(day=1))


@pytest.fixture
def every_number(settings):
    """Turn suppression off, so tests can see the exact counts."""
    settings.HARBOUR_SMALL_NUMBER_THRESHOLD = 0


_COUNTED = {"by": "live"}


@pytest.fixture(autouse=True, params=["live", "summary"])
def counted_by(request):
    """Every number is checked twice: counted live for the view, and read from the summary that
    `harbour tick` keeps (counted again here just before each view)."""
    _COUNTED["by"] = request.param
    yield request.param
    _COUNTED["by"] = "live"


def figures(county: County, **filters):
    if _COUNTED["by"] == "summary":
        summary_count()
    dashboard = figures_for(actor=county.world.users["partnership-leader"], filters=Filters(**filters))
    assert (dashboard.counted_at is not None) == (_COUNTED["by"] == "summary")
    return dashboard


# --- the numbers ------------------------------------------------------------------------------------------


def test_referrals_and_concerns(county, every_number):
    dashboard = figures(county)
    assert cell(dashboard, "referrals-by-month", THIS_MONTH, "Referrals") == "8"
    assert cell(dashboard, "referrals-by-month", THIS_MONTH, "Young people referred") == "8"
    assert cell(dashboard, "referrals-by-month", "Whole period", "Referrals") == "8"
    assert headline(dashboard, "referrals", "Young people referred more than once") == "1"
    assert cell(dashboard, "referral-concerns", "County lines", "Young people") == "6"
    assert cell(dashboard, "referral-concerns", "Child criminal exploitation", "Young people") == "3"
    assert cell(dashboard, "referral-concerns", "Child criminal exploitation", "Referrals") == "2"
    assert cell(dashboard, "referral-concerns", "Child sexual exploitation", "Young people") == "2"


def test_risk_levels_movement_and_exploitation_types(county, every_number):
    dashboard = figures(county)
    assert cell(dashboard, "risk-levels", "High risk", "Young people") == "3"
    assert cell(dashboard, "risk-levels", "Low or standard risk", "Young people") == "2"
    assert cell(dashboard, "risk-levels", "Medium risk", "Young people") == "1"
    assert cell(dashboard, "risk-levels", "No identified risk", "Young people") == "0"
    assert cell(dashboard, "risk-levels", "At low or standard risk or above", "Young people") == "6"
    # Five girls reviewed in the period, all from medium: three up to high, two down to standard.
    assert cell(dashboard, "risk-movement", "Moved up", "Young people") == "3"
    assert cell(dashboard, "risk-movement", "Moved down", "Young people") == "2"
    assert cell(dashboard, "risk-movement", "Stayed at the same level", "Young people") == "0"
    assert cell(dashboard, "risk-movement-from-to", "Medium risk", "To high risk") == "3"
    assert cell(dashboard, "risk-movement-from-to", "Medium risk", "To low or standard risk") == "2"
    assert cell(dashboard, "risk-movement-from-to", "High risk", "To medium risk") == "0"
    assert cell(dashboard, "exploitation-types", "County lines", "Young people") == "6"
    assert cell(dashboard, "exploitation-types", "Child sexual exploitation", "Young people") == "0"


def test_movement_counts_a_young_person_first_assessed_in_the_period_from_their_first_level(
    county, every_number
):
    newcomer = young_person(town="Norwich", gender="female", ethnicity="white-british", age=15)
    lead = county.world.users["practitioner"]
    agree(newcomer, level="norfolk-standard", lead=lead, at=now_minus(hours=5))
    agree(newcomer, level="norfolk-medium", lead=lead, at=now_minus(hours=1))
    dashboard = figures(county)
    assert cell(dashboard, "risk-movement-from-to", "Low or standard risk", "To medium risk") == "1"
    assert cell(dashboard, "risk-movement", "Moved up", "Young people") == "4"


def test_missing_episodes_distinct_and_repeat(county, every_number):
    dashboard = figures(county)
    assert cell(dashboard, "missing-by-month", THIS_MONTH, "Episodes") == "10"
    assert cell(dashboard, "missing-by-month", THIS_MONTH, "Young people") == "8"
    assert headline(dashboard, "missing", "Missing episodes") == "10"
    assert headline(dashboard, "missing", "Young people missing (distinct)") == "8"
    assert headline(dashboard, "missing", "Young people missing more than once (repeat)") == "1"


def test_missing_by_setting_from_care_and_out_of_area(county, every_number):
    """The county's ten episodes are from home; two more, from care, one of them placed by another
    authority, and one from another setting, for young people already missing from home."""
    girl, boy = county.norwich_girls[1], county.thetford_boys[0]
    this_month = now_minus(minutes=5)
    missing(girl, started=this_month, setting="care")
    missing(girl, started=this_month, setting="care", out_of_area=True)
    missing(boy, started=this_month, setting="other")
    dashboard = figures(county)
    table = "missing-settings"
    assert cell(dashboard, table, "Home", "Young people") == "8"
    assert cell(dashboard, table, "Home", "Episodes") == "10"
    assert cell(dashboard, table, "Care placement", "Young people") == "1"
    assert cell(dashboard, table, "Care placement", "Episodes") == "2"
    other = "Another setting (school, hospital, supported lodgings)"
    assert cell(dashboard, table, other, "Young people") == "1"
    out_of_area = "Placed here by another local authority (out of area)"
    assert cell(dashboard, table, out_of_area, "Young people") == "1"
    assert cell(dashboard, table, out_of_area, "Episodes") == "1"
    assert headline(dashboard, "missing", "Missing episodes") == "13"
    assert headline(dashboard, "missing", "Young people missing from care") == "1 (12%)"


def test_missing_settings_hide_small_numbers_and_no_part_stands_alone(county):
    """With the threshold at 5, the one episode from care is hidden, and never as the only hidden part
    beside the total of episodes, from which it could be worked out."""
    missing(county.norwich_girls[1], started=now_minus(minutes=5), setting="care")
    dashboard = figures(county)
    assert headline(dashboard, "missing", "Missing episodes") == "11"
    shown = {
        row: cell(dashboard, "missing-settings", row, "Episodes")
        for row in ("Home", "Care placement", "Another setting (school, hospital, supported lodgings)")
    }
    assert shown["Care placement"] != "1"
    assert sum(1 for text in shown.values() if not text.isdigit()) >= 2
    assert headline(dashboard, "missing", "Young people missing from care") == "fewer than 5 (not shown)"


def test_return_home_interviews(county, every_number):
    dashboard = figures(county)
    table = "return-interviews"
    assert cell(dashboard, table, "Returns from a missing episode", "Returns") == "10"
    assert cell(dashboard, table, "Offered an interview", "Returns") == "10"
    assert cell(dashboard, table, "Accepted", "Returns") == "8"
    assert cell(dashboard, table, "Completed", "Returns") == "8"
    assert cell(dashboard, table, "Completed within 72 hours", "Returns") == "6"
    assert cell(dashboard, table, "Completed within 72 hours", "Share of returns") == "60%"
    assert cell(dashboard, table, "Declined", "Returns") == "2"
    assert cell(dashboard, table, "Offered, no answer yet", "Returns") == "0"


def test_an_interview_offered_or_accepted_but_not_yet_held(county, every_number):
    girl = county.norwich_girls[2]
    missing(girl, started=now_minus(hours=30), interview=ReturnInterview.Status.OFFERED)
    accepted = missing(girl, started=now_minus(hours=20), interview=ReturnInterview.Status.ACCEPTED)
    ReturnInterview.objects.filter(episode=accepted).update(accepted_at=timezone.now())
    dashboard = figures(county)
    table = "return-interviews"
    assert cell(dashboard, table, "Offered an interview", "Returns") == "12"
    assert cell(dashboard, table, "Accepted", "Returns") == "9"
    assert cell(dashboard, table, "Offered, no answer yet", "Returns") == "1"
    assert cell(dashboard, table, "Completed", "Returns") == "8"


def test_an_interview_not_yet_offered_is_a_return_but_not_an_offer(county, every_number):
    missing(county.norwich_girls[1], started=now_minus(hours=30), interview=ReturnInterview.Status.TO_OFFER)
    dashboard = figures(county)
    assert cell(dashboard, "return-interviews", "Returns from a missing episode", "Returns") == "11"
    assert cell(dashboard, "return-interviews", "Offered an interview", "Returns") == "10"


def test_exclusions_among_young_people_at_risk(county, every_number):
    # An overturned exclusion does not count; nor does the boy's (he has no agreed level).
    exclude(county.norwich_girls[1], kind="permanent-exclusion", on=timezone.localdate(), status="overturned")
    dashboard = figures(county)
    assert cell(dashboard, "exclusions", "Suspension", "Young people") == "6"
    assert cell(dashboard, "exclusions", "Permanent exclusion", "Young people") == "1"
    assert cell(dashboard, "exclusions", "Permanent exclusion", "Exclusions") == "1"
    assert headline(dashboard, "exclusions", "Young people at risk") == "6"
    assert headline(dashboard, "exclusions", "Of them, suspended or excluded in the period") == "6 (100%)"


def test_the_period_leaves_out_older_records(county, every_number):
    old = timezone.now() - dt.timedelta(days=200)
    refer([county.thetford_boys[0]], concerns=["county-lines"], at=old)
    missing(county.thetford_boys[0], started=old)
    assert headline(figures(county, months=3), "referrals", "Referrals") == "8"
    assert headline(figures(county, months=3), "missing", "Missing episodes") == "10"
    assert headline(figures(county, months=12), "referrals", "Referrals") == "9"
    assert headline(figures(county, months=12), "missing", "Missing episodes") == "11"


# --- filters -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "filters",
    [
        {"district": "breckland"},
        {"gender": "male"},
        {"age_band": "16-17"},
        {"ethnicity": "black-black-british-caribbean-or-african"},
    ],
    ids=["district", "gender", "age", "ethnicity"],
)
def test_each_filter_narrows_every_panel_to_the_two_boys(county, every_number, filters):
    dashboard = figures(county, **filters)
    assert headline(dashboard, "referrals", "Referrals") == "1"
    assert headline(dashboard, "referrals", "Young people referred") == "2"
    assert cell(dashboard, "referral-concerns", "County lines", "Young people") == "0"
    assert headline(dashboard, "missing", "Missing episodes") == "2"
    assert cell(dashboard, "return-interviews", "Declined", "Returns") == "2"
    assert headline(dashboard, "risk", "Young people at low or standard risk or above") == "0"
    assert headline(dashboard, "exclusions", "Young people at risk") == "0"


def test_filters_together_choose_the_girls(county, every_number):
    dashboard = figures(county, district="norwich", age_band="13-15", gender="female", ethnicity="white")
    assert headline(dashboard, "referrals", "Referrals") == "7"
    assert headline(dashboard, "referrals", "Young people referred") == "6"
    assert headline(dashboard, "missing", "Missing episodes") == "8"
    assert cell(dashboard, "risk-levels", "At low or standard risk or above", "Young people") == "6"
    assert headline(dashboard, "exclusions", "Young people at risk") == "6"
    assert headline(figures(county, district="norwich", age_band="16-17"), "referrals", "Referrals") == "0"


def test_a_cohort_too_large_for_a_list_gives_the_same_numbers_as_a_subquery(
    county, every_number, monkeypatch
):
    from harbour.figures import selectors

    chosen = {"district": "norwich", "age_band": "13-15", "gender": "female", "ethnicity": "white"}
    as_list = figures(county, **chosen)
    monkeypatch.setattr(selectors, "COHORT_AS_LIST_MAX", 1)  # six girls: too many for a list now
    monkeypatch.setattr(selectors, "COHORT_AS_LIST_MAX_POSTGRESQL", 1)
    as_subquery = figures(county, **chosen)
    assert as_subquery.panels == as_list.panels


def test_district_is_the_current_address(county, every_number):
    boy = county.thetford_boys[0]
    boy.addresses.update(ends_on=timezone.localdate())
    assert headline(figures(county, district="breckland"), "referrals", "Young people referred") == "1"


def test_ethnicity_not_known_counts_those_without_an_ethnic_group(county, every_number):
    county.thetford_boys[0].__class__.objects.filter(pk=county.thetford_boys[0].pk).update(ethnicity=None)
    assert headline(figures(county, ethnicity="not-known"), "referrals", "Young people referred") == "1"


def test_the_filter_form_offers_the_reference_data_and_refuses_unknown_values(county):
    form = FiguresFilterForm({"district": "atlantis", "gender": "female", "months": "6"})
    filters = form.filters()
    assert "district" in form.errors
    assert filters.district == ""
    assert filters.gender == "female"
    assert filters.months == 6
    assert filters.described() == ["Gender: Female"]
    choices = dict(FiguresFilterForm().fields["ethnicity"].choices)
    assert choices["white"] == "White"
    assert choices["not-known"] == "Not known or not given"


def test_age_bands_use_todays_age():
    period = period_of(12, today=dt.date(2026, 3, 31))
    assert period.months[0] == dt.date(2025, 4, 1)
    assert period.months[-1] == dt.date(2026, 3, 1)
    assert len(period.months) == 12


# --- small numbers -------------------------------------------------------------------------------------


def test_small_numbers_are_suppressed_in_tables_headlines_and_charts(county):
    dashboard = figures(county)
    assert headline(dashboard, "referrals", "Referrals") == "8"
    assert headline(dashboard, "referrals", "Young people referred more than once") == "fewer than 5"
    assert cell(dashboard, "referral-concerns", "County lines", "Young people") == "6"
    assert (
        cell(dashboard, "referral-concerns", "Child criminal exploitation", "Young people") == "fewer than 5"
    )
    assert cell(dashboard, "risk-levels", "High risk", "Young people") == "fewer than 5"
    assert cell(dashboard, "return-interviews", "Declined", "Returns") == "fewer than 5"
    assert cell(dashboard, "return-interviews", "Declined", "Share of returns") == "not shown"
    # Accepted, declined and no answer add up to offered (shown): two of them are hidden, so neither
    # can be worked out alone, and accepted stays shown.
    assert cell(dashboard, "return-interviews", "Offered an interview", "Returns") == "10"
    assert cell(dashboard, "return-interviews", "Accepted", "Returns") == "8"
    assert cell(dashboard, "return-interviews", "Offered, no answer yet", "Returns") == "fewer than 5"
    assert all(value is None or value >= 5 for value in chart_values(dashboard))
    assert None in chart_values(dashboard)


def test_one_hidden_part_beside_a_total_hides_the_next_smallest(county):
    from harbour.figures import suppression

    cells = suppression.counts({"a": 3, "b": 7, "c": 20}, total_shown=True)
    assert [cells[key].text for key in "abc"] == ["fewer than 5", "fewer than 5", "20"]
    cells = suppression.counts({"a": 3, "b": 7, "c": 20})
    assert [cells[key].text for key in "abc"] == ["fewer than 5", "7", "20"]


def test_the_threshold_is_a_setting(county, settings):
    settings.HARBOUR_SMALL_NUMBER_THRESHOLD = 10
    dashboard = figures(county)
    assert headline(dashboard, "referrals", "Referrals") == "fewer than 10"
    settings.HARBOUR_SMALL_NUMBER_THRESHOLD = 1
    assert headline(figures(county), "referrals", "Young people referred more than once") == "1"


# --- the page ------------------------------------------------------------------------------------------

ALLOWED = {"partnership-leader", "analyst"}
ROLES = [
    "front-door-officer",
    "practitioner",
    "team-manager",
    "police-intelligence-officer",
    "analyst",
    "panel-chair",
    "partnership-leader",
    "data-protection-officer",
    "system-administrator",
]


@pytest.mark.parametrize("role", ROLES)
def test_who_may_open_the_figures(county, role):
    response = county.world.client_for(role).get("/figures/")
    assert response.status_code == (200 if role in ALLOWED else 403)
    events = AuditEvent.objects.filter(action="figures.viewed")
    assert events.count() == (1 if role in ALLOWED else 0)


def test_anonymous_visitors_are_sent_to_sign_in(county, client):
    response = client.get("/figures/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"] or "login" in response["Location"]


def test_the_page_names_no_one_and_audits_the_filters_once(county):
    client = county.world.client_for("analyst")
    response = client.get("/figures/", {"district": "norwich", "gender": "female", "months": "6"})
    assert response.status_code == 200
    page = response.content.decode()
    for name in ("Girlname", "Boyname", "Figures1"):
        assert name not in page
    assert "Young people in: District: Norwich; Gender: Female." in page
    event = AuditEvent.objects.get(action="figures.viewed")
    assert event.detail == {"months": 6, "district": "norwich", "gender": "female"}
    assert event.person_id is None


def test_every_chart_has_its_table_and_spec_on_the_page_without_inline_script(county, every_number):
    response = county.world.client_for("partnership-leader").get("/figures/")
    page = response.content.decode()
    for chart_id in (
        "referrals-by-month",
        "referral-concerns",
        "risk-levels",
        "risk-movement",
        "exploitation-types",
        "missing-by-month",
        "missing-settings",
        "return-interviews",
        "exclusions",
    ):
        assert f'data-app-chart="{chart_id}-spec"' in page
        assert f'<script id="{chart_id}-spec" type="application/json">' in page
    assert page.count('<table class="govuk-table app-chart__table">') == 10  # the from/to table has no chart
    assert "dist/charts.mjs" in page


def test_a_chart_whose_numbers_are_all_hidden_is_not_drawn(county):
    response = county.world.client_for("partnership-leader").get("/figures/")
    page = response.content.decode()
    assert 'data-app-chart="risk-levels-spec"' not in page  # every level is fewer than 5
    assert 'data-app-chart="referrals-by-month-spec"' in page
    assert "There is nothing to draw: the table has the numbers." in page


def test_an_unknown_filter_value_is_an_error_on_the_page(county):
    response = county.world.client_for("analyst").get("/figures/", {"district": "atlantis"})
    assert response.status_code == 200
    assert "govuk-error-summary" in response.content.decode()


def test_the_menu_shows_the_figures_to_those_who_may_see_them(county):
    leader = county.world.client_for("partnership-leader").get("/").content.decode()
    practitioner = county.world.client_for("practitioner").get("/").content.decode()
    assert 'href="/figures/"' in leader
    assert 'href="/figures/"' not in practitioner
