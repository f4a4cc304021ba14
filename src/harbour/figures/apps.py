from django.apps import AppConfig


class FiguresConfig(AppConfig):
    name = "harbour.figures"
    label = "figures"
    verbose_name = "Partnership figures: the dashboard"
