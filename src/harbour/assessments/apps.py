from django.apps import AppConfig


class AssessmentsConfig(AppConfig):
    name = "harbour.assessments"
    label = "assessments"
    verbose_name = "Joint exploitation risk assessments"
