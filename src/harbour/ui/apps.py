from django.apps import AppConfig


class UiConfig(AppConfig):
    name = "harbour.ui"
    label = "ui"
    verbose_name = "User interface shell"
