"""Loading what Django loads lazily, then freezing it out of the garbage collector's way.

A Harbour process holds about 160,000 objects once Django, the apps, the URL patterns and the
templates are loaded. Python's full (oldest generation) garbage collection scans every one of them:
about 85 ms on a 2-core machine, and a home page allocates enough to set one off every dozen or so
requests, which made those requests two to three times slower than the rest (measured on the scale-100
benchmark, 3 December 2026). Almost none of these objects is ever garbage: they live as long as the
process. ``gc.freeze()`` moves every object that exists at that moment into a permanent generation that
collections never scan.

``harbour serve`` runs gunicorn with the application loaded in the master process (``--preload``); the
master calls ``warm_and_freeze`` once before it forks the workers (``core/gunicorn_conf.py``), so each
worker starts with them frozen (and shares their memory pages with the master instead of copying them
when the collector would have touched them). The benchmarks call it once before their warm-up requests,
as the master does.

It then collects less often (``COLLECT_THRESHOLDS``). With Python's defaults (700, 10, 10) a home page
set off about five young collections, and every twentieth or so page a full one of the objects made
since the freeze (9 to 12 ms): one page in twenty is the 95th percentile. Almost everything a request
makes is freed by reference counting as the request ends, so a collection finds little; with these
thresholds a young collection comes about every twenty pages and a full one far more rarely (measured on
the scale-100 benchmark, 3 December 2026: 2 ms of collection a page on average before, 0.3 ms after).
Cyclic garbage waits longer to be freed, which costs memory, not correctness.

Nothing here opens a database connection: the master must not hold one that its
forked workers would share.
"""

from __future__ import annotations

import gc
import logging
from pathlib import Path

logger = logging.getLogger(__name__)

# (young, middle, old) generation thresholds after the freeze; Python's defaults are (700, 10, 10).
COLLECT_THRESHOLDS = (10_000, 20, 100)


def warm() -> int:
    """Load the URL patterns and compile every template (as the first requests would). Returns how many
    templates were compiled."""
    from django.template import TemplateSyntaxError, engines
    from django.template.backends.django import DjangoTemplates
    from django.urls import get_resolver

    get_resolver().resolve("/")  # builds the URL patterns of every app
    compiled = 0
    for engine in engines.all():
        if not isinstance(engine, DjangoTemplates):
            continue
        for directory in engine.template_dirs:
            root = Path(directory)
            for path in sorted(root.rglob("*.html")):
                name = path.relative_to(root).as_posix()
                try:
                    engine.get_template(name)
                except TemplateSyntaxError:
                    # Raised again when a page uses it, with the request to say where; not here.
                    logger.warning("template not compiled at start", extra={"template": name})
                    continue
                compiled += 1
    return compiled


def warm_and_freeze() -> int:
    """Warm, collect once, freeze every object there is now, and collect less often from then on.
    Returns how many objects are frozen."""
    templates = warm()
    gc.collect()
    gc.freeze()
    gc.set_threshold(*COLLECT_THRESHOLDS)
    frozen = gc.get_freeze_count()
    logger.info("objects frozen out of garbage collection", extra={"objects": frozen, "templates": templates})
    return frozen
