"""The things a role can allow. Roles are reference data; these codes are what the code checks.

A role is a named set of capabilities that an administrator can change without a release. The codes
themselves are part of the program: each is checked by a policy in ``harbour.access``.
"""

from __future__ import annotations

CAPABILITIES: dict[str, str] = {
    "person.search": "Find people and see that they are known, and to which agencies (name-only)",
    "person.create": "Record a new young person, parent or carer",
    "person.edit": "Edit the people in their professional network",
    "person.view_team_cases": "See in full the young people allocated to their team as a whole",
    "person.view_team_network": "See in full the people allocated to the teams they manage",
    "network.manage": "Allocate agencies, teams and workers to a young person's network",
    "grant.give": "Give a colleague time-limited access to a young person's record",
    "break_glass.use": "Use break-glass access in an emergency, with a reason",
    "audit.view_network": "See who viewed or changed the records of people they can see in full",
    "audit.view_all": "See and export the audit trail of any record",
    "admin.system": "Administer reference data, agencies, teams and users",
    "analytics.pseudonymised": "Work on pseudonymised data for analysis",
    "frontdoor.triage": "Work the front door: new concerns and triage decisions",
    "referral.submit": "Refer a concern about a young person, place or group to the front door",
    "panel.chair": "Chair panels and give members time-limited access for a meeting",
    "partnership.performance": "See partnership performance figures",
    "person.merge": "Review possible duplicate records, merge two records of one young person, undo a merge",
    # Joint exploitation risk assessments
    "assessment.lead": "Open and lead joint exploitation risk assessments of young people they see in full",
    "assessment.contribute": "Contribute to joint exploitation risk assessments they are asked to",
    # Education
    "education.import": "Import lists of exclusions and children missing education for any young person",
}
