import gc
from collections.abc import Iterator

import pytest

from harbour.core import warm


@pytest.fixture
def restore_collector() -> Iterator[None]:
    thresholds = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*thresholds)


@pytest.mark.usefixtures("restore_collector")
def test_warm_and_freeze_freezes_what_is_loaded_and_collects_less_often() -> None:
    frozen = warm.warm_and_freeze()

    assert frozen == gc.get_freeze_count() > 0
    assert gc.get_threshold() == warm.COLLECT_THRESHOLDS
    # Less often than Python's defaults in every generation.
    assert all(ours > default for ours, default in zip(warm.COLLECT_THRESHOLDS, (700, 10, 10), strict=True))
