from django.apps import AppConfig


class MissingConfig(AppConfig):
    name = "harbour.missing"
    label = "missing"
    verbose_name = "Missing from home or care: episodes, return home interviews, triggers"
