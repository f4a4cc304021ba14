from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "harbour.api"
    label = "api"
