from django.apps import AppConfig


class EducationConfig(AppConfig):
    name = "harbour.education"
    label = "education"
    verbose_name = "Education: placements, attendance, exclusions, children missing education"
