from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "harbour.accounts"
    label = "accounts"
    verbose_name = "Agencies, teams and users"

    def ready(self) -> None:
        from harbour.accounts import signals  # noqa: F401
