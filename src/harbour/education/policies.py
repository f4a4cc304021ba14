"""Who may read and record a young person's education.

Education records follow the young person's record access (``harbour.access.policies``):

- reading: whoever sees the young person in full (``can_see_full``); everyone else gets the same 404
  as for a record that does not exist;
- recording and changing: whoever may edit the young person (``person.edit`` on them: their
  professional network with the ``person.edit`` capability, such as a school's safeguarding lead
  allocated to them);
- importing lists of exclusions and children missing education: holders of ``education.import``,
  whatever the young people (a list from the local authority's education service covers the county).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Model

from harbour.access import policies as access

IMPORT = "education.import"


def can_view(actor: Any, person: Model) -> bool:
    return access.can_see_full(actor, person)


def can_record(actor: Any, person: Model) -> bool:
    return access.can(actor, "person.edit", person)


def can_import(actor: Any) -> bool:
    return access.is_staff_member(actor) and bool(actor.has_capability(IMPORT))


def require_record(actor: Any, person: Model) -> None:
    if not can_record(actor, person):
        raise PermissionDenied("Not allowed: recording this young person's education.")


def require_import(actor: Any) -> None:
    if not can_import(actor):
        raise PermissionDenied("Not allowed: importing education lists.")
