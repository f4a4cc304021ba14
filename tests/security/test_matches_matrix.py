"""The "already known?" routes against every role and person in the access matrix: refused for roles
without casework, name-only outside the network (no date of birth, postcode or NHS number), full inside.
The expected outcome comes from the matrix's hand-written rules (tests/security/test_access_matrix.py)."""

from __future__ import annotations

import json

from harbour.people import matching
from tests.security.test_access_matrix import ACTORS, FULL, NO_PEOPLE, PEOPLE, _user

API = "/api/v1/people/matches"
FRAGMENT = "/people/matches/"


def _details(person) -> dict[str, str]:
    address = person.addresses.first()
    return {
        "first_name": person.first_name,
        "last_name": person.last_name,
        "date_of_birth": person.date_of_birth.isoformat(),
        "postcode": address.postcode if address else "",
    }


def test_api_matches_matrix(world):
    matching.forget_reference_data()
    world.outside.nhs_number = "4010232137"
    world.outside.save()
    failures = []
    for actor in ACTORS:
        client = world.client_for(_user(world, actor))
        for name in PEOPLE:
            person = getattr(world, name)
            details = _details(person)
            for response in (
                client.post(API, data=json.dumps(details), content_type="application/json"),
                client.get(API, details),
            ):
                if actor in NO_PEOPLE:
                    if response.status_code != 403:
                        failures.append(f"{actor} -> {name}: expected 403, got {response.status_code}")
                    continue
                items = [i for i in response.json().get("items", []) if i["id"] == str(person.pk)]
                expected = "full" if (actor, name) in FULL else "name_only"
                if response.status_code != 200 or len(items) != 1 or items[0]["access_level"] != expected:
                    failures.append(
                        f"{actor} -> {name}: expected {expected}, got {response.status_code} {items}"
                    )
                    continue
                body = json.dumps(items[0])
                leaked = expected == "name_only" and (
                    "date_of_birth" in items[0]
                    or person.date_of_birth.isoformat() in body
                    or "4010232137" in body
                    or (details["postcode"] and details["postcode"] in body)
                )
                if leaked:
                    failures.append(f"{actor} -> {name}: name-only item carries details: {body}")
    assert not failures, "\n".join(failures)


def test_fragment_matrix(world):
    matching.forget_reference_data()
    failures = []
    for actor in ACTORS:
        client = world.client_for(_user(world, actor))
        for name in PEOPLE:
            person = getattr(world, name)
            details = _details(person)
            response = client.post(FRAGMENT, {**details, "date_of_birth": details["date_of_birth"]})
            if actor in NO_PEOPLE:
                if response.status_code != 403:
                    failures.append(f"{actor} -> {name}: expected 403, got {response.status_code}")
                continue
            html = response.content.decode()
            dob_text = person.date_of_birth.strftime("%-d %B %Y")
            full = (actor, name) in FULL
            ok = response.status_code == 200 and f'value="{person.pk}"' in html
            ok = ok and ((dob_text in html) if full else (dob_text not in html and "Known to:" in html))
            if not ok:
                failures.append(
                    f"{actor} -> {name}: expected {'full' if full else 'name-only'}, "
                    f"got {response.status_code}"
                )
    assert not failures, "\n".join(failures)
