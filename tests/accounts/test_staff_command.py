import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from harbour.access import policies
from harbour.accounts.models import Membership, User
from harbour.audit.models import AuditEvent


def test_operator_adds_agency_team_and_user(reference, capsys):
    call_command("staff", "add-agency", "Norfolk Constabulary", "--type", "police", "--district", "norwich")
    call_command("staff", "add-team", "Norfolk Constabulary", "MACE team")
    call_command(
        "staff",
        "add-user",
        "dc_rivers",
        "--agency",
        "Norfolk Constabulary",
        "--team",
        "MACE team",
        "--role",
        "police-intelligence-officer",
        "--email",
        "rivers@example.org",
    )
    user = User.objects.get(username="dc_rivers")
    assert not user.has_usable_password()
    assert user.has_capability("break_glass.use")
    assert Membership.objects.get(user=user).team.name == "MACE team"
    actions = list(AuditEvent.objects.order_by("id").values_list("action", "channel"))
    assert actions == [("agency.created", "cli"), ("team.created", "cli"), ("user.created", "cli")]


def test_unknown_role_is_a_clear_error_and_nothing_is_written(reference):
    call_command("staff", "add-agency", "Breckland Youth Service", "--type", "youth-services")
    call_command("staff", "add-team", "Breckland Youth Service", "Thetford")
    with pytest.raises(CommandError, match="Unknown role 'wizard'"):
        call_command(
            "staff",
            "add-user",
            "x",
            "--agency",
            "Breckland Youth Service",
            "--team",
            "Thetford",
            "--role",
            "wizard",
        )
    assert not User.objects.filter(username="x").exists()


def test_deactivating_a_leaver_ends_memberships(world):
    user = world.users["practitioner"]
    call_command("staff", "deactivate", user.username)
    user.refresh_from_db()
    assert not user.is_active
    assert {m.ends_on for m in user.memberships.all()} == {timezone.localdate()}
    assert not policies.can(user, "person.see_full", world.inside)
