import logging
import re

from harbour.core import request_context


class RequestIdFilter(logging.Filter):
    """Stamp each log line with the request id, so a log line can be matched to audit events."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_context.current().request_id or "-"
        return True


class NoQueryStringFilter(logging.Filter):
    """Drop query strings from request lines before they are logged.

    A query string can carry personal data (``GET /api/v1/people/matches?first_name=...``): the
    development server logs each request line through ``django.server``, so its records are rewritten
    here to keep only the path (see docs/decisions/0007-matches-by-get-and-post.md).
    """

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "?" in message:
            record.msg = _QUERY_STRING.sub("", message)
            record.args = ()
        return True


# "?..." up to the next space or quote: the query part of a request line such as "GET /a?b=c HTTP/1.1".
_QUERY_STRING = re.compile(r"\?[^\s\"']*")
