"""Fixed values of the synthetic county: the demo password, the demo users and the size of scale 1."""

from __future__ import annotations

import base64
import hashlib
import hmac

from django.conf import settings

# Every demo user signs in with this password unless the HARBOUR_DEMO_PASSWORD setting says otherwise.
# It is printed by `harbour demo` and shown on the sign-in page in demo mode: it protects nothing.
DEFAULT_DEMO_PASSWORD = "harbour-demo-2026"  # noqa: S105

DEMO_USERNAME_PREFIX = "demo-"

# One demo user per role, in this order in the logins table.
DEMO_ROLES = (
    "front-door-officer",
    "practitioner",
    "team-manager",
    "police-intelligence-officer",
    "analyst",
    "panel-chair",
    "partnership-leader",
    "data-protection-officer",
    "system-administrator",
)

# Scale 1 is a county: about this many young people known to the partnership.
YOUNG_PEOPLE_PER_SCALE = 2000

# The demo practitioner's caseload (their young people as lead professional) at any scale.
DEMO_CASELOAD = 20
# The demo police officer is officer in the case for this many young people.
DEMO_POLICE_CASELOAD = 12


def demo_password() -> str:
    return str(getattr(settings, "HARBOUR_DEMO_PASSWORD", "") or DEFAULT_DEMO_PASSWORD)


def demo_username(role_code: str) -> str:
    return f"{DEMO_USERNAME_PREFIX}{role_code}"


def demo_totp_secret(seed: int, username: str) -> str:
    """A TOTP secret that the same seed always gives the same demo user (base32, 160 bits).

    Anyone who knows the seed can work it out: that is the point for a demo, and why demo users
    must never exist in production.
    """
    digest = hmac.new(f"harbour-demo-totp:{seed}".encode(), username.encode(), hashlib.sha256).digest()
    return base64.b32encode(digest[:20]).decode("ascii")
