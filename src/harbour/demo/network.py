"""Each young person's professional network: a lead professional, and the school, police, health,
youth work, youth justice, voluntary and housing staff and agencies involved, with some history.

Rows naming a worker open the record to that worker (and their manager); rows naming a team open it
to the team; rows naming only an agency record that the agency knows the young person.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from harbour.access.models import Allocation
from harbour.accounts.models import Agency, Team, User
from harbour.demo.constants import DEMO_CASELOAD, DEMO_POLICE_CASELOAD
from harbour.demo.county import County, SchoolInfo, yjs_office_for
from harbour.demo.people import Refs, YoungPerson
from harbour.demo.rand import Ids, Weighted, chance, days_before, stream
from harbour.demo.rows import build
from harbour.demo.users import DEMO_PLACEMENTS, LEAD_SHARES, SUPPORT_SHARES, Staff
from harbour.people.models import Person

LEADS = Weighted(LEAD_SHARES)
HEALTH_SERVICES = Weighted({"school-nursing": 50, "sexual-health": 25, "camhs": 25})


@dataclass(frozen=True)
class Worker:
    user: User
    team: Team


class NetworkPlanner:
    def __init__(self, *, seed: int, as_of: date, county: County, staff: Staff, refs: Refs) -> None:
        self.rng = stream(seed, "network")
        self.ids = Ids(seed, "allocation")
        self.as_of = as_of
        self.county = county
        self.staff = staff
        self.roles = refs.network_roles
        self.demo_team_key = DEMO_PLACEMENTS["practitioner"][0]
        self.demo_practitioner = staff.demo.get("practitioner")
        self.demo_officer = staff.demo.get("police-intelligence-officer")
        self.demo_left = DEMO_CASELOAD
        self.demo_police_left = DEMO_POLICE_CASELOAD
        self.charities = [key for key in county.team if key.startswith("voluntary:")]

    # --- helpers ------------------------------------------------------------------------------

    def worker(self, team_key: str) -> Worker | None:
        team = self.county.team.get(team_key)
        workers = self.staff.workers.get(team_key)
        if team is None or not workers:
            return None
        chosen = self.rng.choice(workers)
        return Worker(chosen, self.staff.team_of.get(chosen.pk, team))

    def row(
        self,
        person: Person,
        role: str,
        *,
        agency: Agency,
        team: Team | None = None,
        worker: User | None = None,
        starts_on: date | None = None,
        ends_on: date | None = None,
    ) -> Allocation:
        return build(
            Allocation,
            id=self.ids.next(),
            person_id=person.pk,
            agency_id=agency.pk,
            team_id=team.pk if team else None,
            worker_id=worker.pk if worker else None,
            network_role_id=self.roles[role].pk,
            starts_on=starts_on or days_before(self.rng, self.as_of, 14, 900),
            ends_on=ends_on,
        )

    def by_worker(self, person: Person, role: str, found: Worker, **dates: date) -> Allocation:
        return self.row(person, role, agency=found.team.agency, team=found.team, worker=found.user, **dates)

    def dsl(self, school: SchoolInfo | None) -> Worker | None:
        if school is None or school.school.pk not in self.staff.school_dsl:
            return None
        return Worker(self.staff.school_dsl[school.school.pk], school.team)

    def health_worker(self, district_code: str) -> Worker | None:
        service = HEALTH_SERVICES.pick(self.rng)
        if service == "school-nursing":
            service = (
                "school-nursing-city"
                if district_code in {"norwich", "broadland"}
                else "school-nursing-county"
            )
        return self.worker(f"health:{service}")

    def police_worker(self) -> Worker | None:
        mace = self.county.team.get("police:mace")
        if chance(self.rng, 0.75):
            if self.demo_officer is not None and mace is not None and self.demo_police_left > 0:
                self.demo_police_left -= 1
                return Worker(self.demo_officer, mace)
            return self.worker("police:mace")
        return self.worker("police:gravity")

    # --- networks -----------------------------------------------------------------------------

    def lead(self, young: YoungPerson) -> tuple[str, Worker | None, bool]:
        """Who leads: the service, the worker, and whether it is the demo practitioner."""
        code, rng = young.district.code, self.rng
        service = LEADS.pick(rng)
        if service == "yjs" and young.age >= 18:
            service = "cs"
        if service == "dsl" and self.dsl(young.school) is None:
            service = "tyss"
        if service == "cs":
            team_key = f"adolescent:{code}"
            team = self.county.team.get(team_key)
            if (
                team_key == self.demo_team_key
                and team is not None
                and self.demo_practitioner is not None
                and self.demo_left > 0
            ):
                self.demo_left -= 1
                return service, Worker(self.demo_practitioner, team), True
            return service, self.worker(team_key), False
        if service == "tyss":
            return service, self.worker(f"tyss:{code}"), False
        if service == "yjs":
            return service, self.worker(f"yjs:{yjs_office_for(code)}"), False
        return service, self.dsl(young.school), False

    def for_young_person(self, young: YoungPerson) -> tuple[list[Allocation], bool]:  # noqa: PLR0912, PLR0915
        rng, person, code = self.rng, young.person, young.district.code
        rows: list[Allocation] = []
        service, lead, demo_lead = self.lead(young)
        if lead is None:  # a team without workers: allocate to the team
            team = self.county.team.get(f"adolescent:{code}") or self.county.team["cads"]
            rows.append(self.row(person, "lead-professional", agency=team.agency, team=team))
        else:
            started = days_before(rng, self.as_of, 14, 900)
            rows.append(self.by_worker(person, "lead-professional", lead, starts_on=started))
            extra = {
                "cs": "allocated-social-worker",
                "yjs": "youth-justice-worker",
                "dsl": "school-safeguarding-lead",
            }.get(service)
            if extra and (service != "cs" or chance(rng, 0.6)):
                rows.append(self.by_worker(person, extra, lead, starts_on=started))
        if chance(rng, 0.15):  # an earlier lead professional, now ended
            earlier = self.worker(f"adolescent:{code}")
            if earlier is not None and earlier.user != self.demo_practitioner:
                ended = days_before(rng, self.as_of, 30, 480)
                rows.append(
                    self.by_worker(
                        person,
                        "lead-professional",
                        earlier,
                        starts_on=days_before(rng, ended, 60, 900),
                        ends_on=ended,
                    )
                )

        if service != "dsl" and young.school is not None:
            roll = rng.random()
            school_lead = self.dsl(young.school)
            if roll < 0.5 and school_lead is not None:
                rows.append(self.by_worker(person, "school-safeguarding-lead", school_lead))
            elif roll < 0.85:
                rows.append(self.row(person, "agency-involved", agency=young.school.agency))

        police = self.county.agency.get("police")
        officer_chance = SUPPORT_SHARES["police"] * (1.2 if 13 <= young.age <= 17 else 0.5)
        roll = rng.random()
        if roll < officer_chance and (officer := self.police_worker()) is not None:
            rows.append(self.by_worker(person, "police-officer", officer))
        elif roll < officer_chance + 0.30 and police is not None:
            rows.append(self.row(person, "agency-involved", agency=police))

        roll = rng.random()
        health = self.county.agency.get("health")
        if roll < SUPPORT_SHARES["health"] and (nurse := self.health_worker(code)) is not None:
            rows.append(self.by_worker(person, "health-practitioner", nurse))
        elif roll < 0.30 and (nurse := self.health_worker(code)) is not None:
            rows.append(self.row(person, "health-practitioner", agency=nurse.team.agency, team=nurse.team))
        elif roll < 0.40 and health is not None:
            rows.append(self.row(person, "agency-involved", agency=health))

        if service != "tyss":
            roll = rng.random()
            if roll < SUPPORT_SHARES["tyss"] and (youth := self.worker(f"tyss:{code}")) is not None:
                rows.append(self.by_worker(person, "youth-worker", youth))
            elif roll < 0.23 and (youth_team := self.county.team.get(f"tyss:{code}")) is not None:
                rows.append(self.row(person, "youth-worker", agency=youth_team.agency, team=youth_team))
        if (
            service != "yjs"
            and young.age <= 17
            and chance(rng, SUPPORT_SHARES["yjs"])
            and (officer := self.worker(f"yjs:{yjs_office_for(code)}")) is not None
        ):
            rows.append(self.by_worker(person, "youth-justice-worker", officer))
        if self.charities and chance(rng, 0.12):
            team = self.county.team[rng.choice(self.charities)]
            if chance(rng, 0.5):
                rows.append(self.row(person, "youth-worker", agency=team.agency, team=team))
            else:
                rows.append(self.row(person, "agency-involved", agency=team.agency))
        if chance(rng, 0.06) and (council := self.county.agency.get(f"council:{code}")) is not None:
            rows.append(self.row(person, "agency-involved", agency=council))
        return rows, demo_lead

    def for_duplicate(self, person: Person, young: YoungPerson, recorder: str) -> list[Allocation]:
        """The agency that recorded the young person a second time, as it would have."""
        rng, code = self.rng, young.district.code
        recent = days_before(rng, self.as_of, 5, 400)
        if recorder == "health" and (nurse := self.health_worker(code)) is not None:
            return [self.by_worker(person, "health-practitioner", nurse, starts_on=recent)]
        if recorder == "education":
            others = [s for s in self.county.schools_in(code, "Secondary") if s is not young.school]
            if others and (school_lead := self.dsl(rng.choice(others))) is not None:
                return [self.by_worker(person, "school-safeguarding-lead", school_lead, starts_on=recent)]
        if recorder == "voluntary" and self.charities:
            team = self.county.team[rng.choice(self.charities)]
            return [self.row(person, "youth-worker", agency=team.agency, team=team, starts_on=recent)]
        if recorder == "council" and (council := self.county.agency.get(f"council:{code}")) is not None:
            return [self.row(person, "agency-involved", agency=council, starts_on=recent)]
        if recorder == "yjs" and (officer := self.worker(f"yjs:{yjs_office_for(code)}")) is not None:
            return [self.by_worker(person, "youth-justice-worker", officer, starts_on=recent)]
        police = self.county.agency["police"]
        rows = [self.row(person, "agency-involved", agency=police, starts_on=recent)]
        if chance(rng, 0.4) and (officer := self.worker("police:mace")) is not None:
            rows.append(self.by_worker(person, "police-officer", officer, starts_on=recent))
        return rows
