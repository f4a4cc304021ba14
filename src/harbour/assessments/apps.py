from django.apps import AppConfig


class AssessmentsConfig(AppConfig):
    name = "harbour.assessments"
    label = "assessments"
    verbose_name = "Joint exploitation risk assessments"

    def ready(self) -> None:
        # The contributors' source of access (policies), the home-page work queues (queues), the
        # review reminders' tick job (ticks) and the summary page's notice of two open ones (notices).
        from harbour.assessments import (
            notices,
            policies,
            queues,  # noqa: F401  (registers the home-page work queues)
            ticks,
        )

        policies.register()
        ticks.register_jobs()
        notices.register()
