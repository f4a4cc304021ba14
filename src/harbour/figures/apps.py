from django.apps import AppConfig


class FiguresConfig(AppConfig):
    name = "harbour.figures"
    label = "figures"
    verbose_name = "Partnership figures: the dashboard"

    def ready(self) -> None:
        from harbour.figures.policies import VIEW_CAPABILITIES
        from harbour.ui.navigation import NavEntry, register

        register(NavEntry("Partnership figures", "figures:dashboard", any_of=VIEW_CAPABILITIES, order=70))
