"""What the simulated service host (symsim.host) asks the array: is a device ready, whose data is on it."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from symsim import errors, model, store, timemodel


@dataclass(frozen=True)
class DeviceView:
    sid: str  # full 12-digit id
    dev: str  # device id as the array prints it
    ready: bool  # host I/O possible (False while NR)
    # Epoch seconds of the data the host sees: sources -> now (write clock); activated targets ->
    # frozen activate time; targets never activated (or recreated since) -> None; a source being
    # restored -> None; a restored source -> the activate time of the target it was restored from.
    pit: float | None
    role: str  # "source", "target" or "none"


class SymsimError(Exception):
    """Unknown array or device; the message is user-facing."""


def resolve_sid(home: Path, sid: str) -> str:
    try:
        with store.transaction(Path(home)) as state:
            return model.resolve_sid(state, sid)
    except errors.SymError as exc:
        raise SymsimError(exc.message) from None


def device_views(home: Path, sid: str, devs: list[str]) -> list[DeviceView]:
    try:
        with store.transaction(Path(home)) as state:
            now = time.time()
            timemodel.advance(state, now)
            array = model.get_array(state, sid)
            views = []
            for text in devs:
                dev = model.lookup_dev(array, text)
                views.append(
                    DeviceView(
                        sid=array["sid"],
                        dev=dev,
                        ready=model.device_ready(array, dev),
                        pit=model.device_pit(array, dev, now),
                        role=model.device_role(array, dev),
                    )
                )
            return views
    except errors.SymError as exc:
        raise SymsimError(exc.message) from None


def host_write(home: Path, sid: str, devs: list[str], tracks: float = 1.0) -> dict[str, str]:
    """A host writes `tracks` tracks on each device; per device what became of them (model.host_write).

    Raises SymsimError for an unknown device or one the host cannot write (Not Ready); then no device
    was written.
    """
    try:
        with store.transaction(Path(home)) as state:
            timemodel.advance(state, time.time())
            array = model.get_array(state, sid)
            names = [model.lookup_dev(array, text) for text in devs]
            for dev in names:
                if not model.device_ready(array, dev):
                    raise errors.SymError(errors.MSG_NOT_READY.format(dev=dev))
            return {dev: model.host_write(array, dev, tracks) for dev in names}
    except errors.SymError as exc:
        raise SymsimError(exc.message) from None
