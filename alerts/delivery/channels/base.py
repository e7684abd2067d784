"""The one small interface every channel implements, its outcome, and the registry.

A channel sends one :class:`Envelope` (one alert, or a day's digest, to one address) and
says how it went with an :class:`Outcome`. The dispatcher never needs to know which
channel it talks to: ``ok`` is done, ``retryable`` is tried again later with backoff,
``permanent`` is given up at once (a bad address will not get better by waiting).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

from alerts.delivery.message import AlertMessage

OutcomeStatus = Literal["ok", "retryable", "permanent"]
EXCERPT_CHARS = 500


def excerpt(text: str | bytes | None, limit: int = EXCERPT_CHARS) -> str | None:
    """A short, printable start of a response: enough to diagnose, never a whole page."""
    if text is None:
        return None
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass(frozen=True)
class Outcome:
    """How one attempt went. ``status_code`` is the SMTP reply or HTTP status when known."""

    status: OutcomeStatus
    status_code: int | None = None
    response_excerpt: str | None = None
    error: str | None = None
    provider_id: str | None = None
    retry_after_s: float | None = None  # the receiver asked us to wait this long (Retry-After)

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    @classmethod
    def success(cls, status_code: int | None = None, response: str | bytes | None = None,
                provider_id: str | None = None) -> Outcome:
        return cls("ok", status_code, excerpt(response), None, provider_id)

    @classmethod
    def retry(cls, error: str, status_code: int | None = None, response: str | bytes | None = None,
              retry_after_s: float | None = None) -> Outcome:
        return cls("retryable", status_code, excerpt(response), excerpt(error), retry_after_s=retry_after_s)

    @classmethod
    def fail(cls, error: str, status_code: int | None = None, response: str | bytes | None = None) -> Outcome:
        return cls("permanent", status_code, excerpt(response), excerpt(error))


@dataclass(frozen=True)
class Envelope:
    """What to send, to whom, in which language.

    ``delivery_id`` is stable across retries of the same delivery: receivers use it (the
    webhook-id header, the email Message-ID) to drop a duplicate if an attempt that timed
    out had in fact arrived.
    """

    delivery_id: str
    address: str
    language: str
    messages: tuple[AlertMessage, ...]
    digest_day: date | None = None
    secret: str | None = None
    extra: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.messages:
            raise ValueError(f"delivery {self.delivery_id}: an envelope needs at least one message")

    @property
    def is_digest(self) -> bool:
        return self.digest_day is not None

    @property
    def message(self) -> AlertMessage:
        return self.messages[0]


class Channel(ABC):
    """A way to reach people. Implementations never raise for a failed send: they return
    an Outcome, so one broken mail server cannot stop the dispatcher."""

    name: str = "?"

    @abstractmethod
    def send(self, envelope: Envelope) -> Outcome: ...

    def check_address(self, address: str) -> str | None:
        """None when ``address`` can be used by this channel, else what is wrong with it."""
        return None if address and address.strip() else "the address is empty"


class ChannelRegistry:
    """Channels by name. Unknown names are a clear error, not a silent drop."""

    def __init__(self, channels: Iterable[Channel] = ()) -> None:
        self._channels: dict[str, Channel] = {}
        for channel in channels:
            self.register(channel)

    def register(self, channel: Channel, name: str | None = None) -> None:
        self._channels[name or channel.name] = channel

    def get(self, name: str) -> Channel:
        try:
            return self._channels[name]
        except KeyError:
            raise KeyError(f"no delivery channel named '{name}' (known: {', '.join(sorted(self._channels))})") from None

    def __contains__(self, name: object) -> bool:
        return name in self._channels

    def names(self) -> list[str]:
        return sorted(self._channels)


ChannelFactory = Callable[..., Channel]
_FACTORIES: dict[str, ChannelFactory] = {}


def register_channel_type(name: str) -> Callable[[ChannelFactory], ChannelFactory]:
    """Class decorator: make a channel type constructible by name (plugins add theirs)."""

    def deco(factory: ChannelFactory) -> ChannelFactory:
        _FACTORIES[name] = factory
        return factory

    return deco


def channel_types() -> list[str]:
    return sorted(_FACTORIES)


def build_channel(name: str, *args, **kwargs) -> Channel:
    try:
        factory = _FACTORIES[name]
    except KeyError:
        raise KeyError(f"unknown channel type '{name}' (known: {', '.join(channel_types())})") from None
    return factory(*args, **kwargs)
