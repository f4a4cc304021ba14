from django.apps import AppConfig


class MissingConfig(AppConfig):
    name = "harbour.missing"
    label = "missing"
    verbose_name = "Missing from home or care: episodes, return home interviews, triggers"

    def ready(self) -> None:
        # The interviewer's source of access (policies), the tick jobs (ticks) and the home-page work
        # queues (queues) register themselves here.
        from harbour.missing import (
            policies,
            queues,  # noqa: F401  (registers the home-page work queues)
            ticks,
        )

        policies.register()
        ticks.register_jobs()
