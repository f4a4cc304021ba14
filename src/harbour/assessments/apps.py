from django.apps import AppConfig


class AssessmentsConfig(AppConfig):
    name = "harbour.assessments"
    label = "assessments"
    verbose_name = "Joint exploitation risk assessments"

    def ready(self) -> None:
        # The contributors' source of access (policies), the home-page work queues (queues) and the
        # review reminders' tick job (ticks).
        from harbour.assessments import (
            policies,
            queues,  # noqa: F401  (registers the home-page work queues)
            ticks,
        )

        policies.register()
        ticks.register_jobs()
