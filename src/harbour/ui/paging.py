"""A list's page number carried through a page's links and forms, so an action returns to it."""

from __future__ import annotations


def page_number(value: str | None) -> int:
    """The page a form or link came from (``page``: a number, never personal data); 1 if none or odd."""
    return int(value) if value and value.isdigit() and int(value) > 0 else 1


def with_page(url: str, value: str | None) -> str:
    """``url`` with that page number (``?page=N``, left off for the first page)."""
    number = page_number(value)
    return f"{url}?page={number}" if number > 1 else url
