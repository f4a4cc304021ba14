import logging

from harbour.core import request_context


class RequestIdFilter(logging.Filter):
    """Stamp each log line with the request id, so a log line can be matched to audit events."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_context.current().request_id or "-"
        return True
