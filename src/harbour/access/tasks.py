"""Background work for access events. Emails name no young person: staff read the details in Harbour."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django_tasks import task


@task()
def notify_break_glass(*, break_glass_id: str) -> None:
    from harbour.access.models import BreakGlass

    use = BreakGlass.objects.select_related("user", "flagged_to").filter(pk=break_glass_id).first()
    if use is None or use.flagged_to is None or not use.flagged_to.email:
        return
    send_mail(
        subject="Harbour: a member of your team used break-glass access",
        message=(
            f"{use.user} used break-glass access to a young person's record in Harbour. "
            "Sign in to Harbour to see the record, their reason and to review it."
        ),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[use.flagged_to.email],
    )
