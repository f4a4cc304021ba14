from django.apps import AppConfig


class AccessConfig(AppConfig):
    name = "harbour.access"
    label = "access"
    verbose_name = "Access: networks, grants and break-glass"

    def ready(self) -> None:
        from harbour.access.ticks import register_jobs

        register_jobs()
