from django.apps import AppConfig


class EducationConfig(AppConfig):
    name = "harbour.education"
    label = "education"
    verbose_name = "Education: placements, attendance, exclusions, children missing education"

    def ready(self) -> None:
        # The home-page work queues (queues) and the indicators tick (ticks) register themselves here.
        from harbour.education import (
            queues,  # noqa: F401  (registers the home-page work queues)
            ticks,
        )

        ticks.register_jobs()
