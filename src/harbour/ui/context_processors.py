from typing import Any

from django.conf import settings
from django.http import HttpRequest


def shell(request: HttpRequest) -> dict[str, Any]:
    return {"harbour_demo_mode": settings.HARBOUR_DEMO_MODE, "harbour_env": settings.HARBOUR_ENV}
