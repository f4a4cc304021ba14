from django.apps import AppConfig


class FrontdoorConfig(AppConfig):
    name = "harbour.frontdoor"
    label = "frontdoor"
    verbose_name = "Front door: concerns, referrals and triage"

    def ready(self) -> None:
        # The front door's source of access (policies), its tick job (ticks) and its home-page work
        # queues (queues) register themselves here.
        from harbour.frontdoor import (
            policies,
            queues,  # noqa: F401  (registers the home-page work queues)
            ticks,
        )

        policies.register()
        ticks.register_jobs()
