from django.apps import AppConfig


class FiguresConfig(AppConfig):
    name = "harbour.figures"
    label = "figures"
    verbose_name = "Partnership figures: the dashboard"

    def ready(self) -> None:
        from harbour.core.ticks import TickJob
        from harbour.core.ticks import register as register_tick
        from harbour.figures.policies import VIEW_CAPABILITIES
        from harbour.figures.summary import refresh_if_due
        from harbour.ui.navigation import NavEntry, register

        register(NavEntry("Partnership figures", "figures:dashboard", any_of=VIEW_CAPABILITIES, order=70))
        register_tick(
            TickJob("figures.summary", "Count the partnership figures for every group again", refresh_if_due)
        )
