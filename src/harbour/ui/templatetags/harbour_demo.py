"""Demonstration mode on the sign-in pages (see ``harbour.ui.demo``)."""

from __future__ import annotations

from typing import Any

from django import template

from harbour.ui import demo

register = template.Library()


@register.simple_tag
def demo_logins() -> list[demo.DemoLogin]:
    return demo.demo_logins()


@register.simple_tag
def demo_password() -> str:
    return demo.demo_password()


@register.simple_tag(takes_context=True)
def demo_code(context: Any) -> demo.DemoCode | None:
    request = context.get("request")
    return demo.demo_code_for(request) if request is not None else None
