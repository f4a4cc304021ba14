from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "harbour.demo"
    label = "demo"
