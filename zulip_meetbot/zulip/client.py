"""The bot's ``zulip.Client``: every request paced under the rate limit, retried, logged once.

The ``zulip`` client's own retry loop is switched off (``retry_on_errors=False``): it retries a
5xx ten times a second apart, adds ``dont_block`` to whatever it retries (POST /messages too), and
would re-send a post that may already have been delivered. Here instead:

- 429 ``RATE_LIMIT_HIT``: wait what Zulip asks (``Retry-After`` or the body's ``retry-after``),
  then retry; nothing was done, so this is safe for every request.
- connection refused: nothing was sent; retry with backoff and jitter.
- 5xx, reset or dropped connection, timeout: retried for reads and other repeatable requests.
  For POST /messages the post may have been delivered, so the answer is an error with code
  :data:`DELIVERY_UNKNOWN` and the caller (``sender.Sender``) looks before posting again.

Each run of failures is logged once when it starts and once when Zulip answers again. Transport
failures come back as error dicts, never as exceptions, so no caller crashes on them.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import IO, Any

import requests
import urllib3
import zulip

from zulip_meetbot.zulip.pacing import RequestPacer

log = logging.getLogger(__name__)

# Codes of the error dicts this client makes up (Zulip's own are upper-case words too).
DELIVERY_UNKNOWN = "MEETBOT_DELIVERY_UNKNOWN"  # a post failed after it may have been delivered
UNREACHABLE = "MEETBOT_UNREACHABLE"  # gave up: Zulip could not be reached or kept failing
RATE_LIMIT_HIT = "RATE_LIMIT_HIT"

# Requests that must not simply be repeated after an ambiguous failure: each makes a message.
_NOT_REPEATABLE = frozenset({("POST", "messages"), ("POST", "scheduled_messages")})


@dataclass(frozen=True)
class RetryPolicy:
    """How long and how often to retry; tests shorten it."""

    base_delay: float = 0.5
    max_delay: float = 30.0
    give_up_after: float = 300.0  # a request failing this long is given up (and logged)
    request_timeout: float = 15.0
    # Zulip answers a long-poll at least every ~50 s (a heartbeat); a poll silent for longer sits
    # on a connection that died without a reset, and is given up so a fresh one is made.
    long_poll_timeout: float = 90.0

    def backoff(self, attempt: int) -> float:
        """Exponential backoff with jitter: between half and all of ``base * 2**attempt``."""
        ceiling = min(self.max_delay, self.base_delay * 2 ** min(attempt, 30))
        return random.uniform(ceiling / 2, ceiling)


@dataclass(frozen=True)
class _Failure:
    """One attempt that did not get a usable answer."""

    reason: str  # for the log
    sent: bool  # the request may have reached Zulip
    wait: float | None = None  # Zulip asked to wait this long (429)
    timed_out: bool = False  # no answer in time: Zulip may still be working on it


class _Episodes:
    """Logs a run of failures once when it starts and once when it is over, not every retry.

    The run is over when every kind of request that failed in it has succeeded again (or been
    given up); other requests succeeding meanwhile (a lookup between two failed posts) do not
    end it.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._failing: set[str] = set()
        self._since = 0.0
        self._failures = 0

    def failed(self, what: str, failure: _Failure) -> None:
        with self._lock:
            first = not self._failing
            self._failing.add(what)
            self._failures += 1
            if first:
                self._since = time.monotonic()
        if not first:
            log.debug("%s failed again: %s", what, failure.reason)
        elif failure.wait is not None:
            log.warning("Zulip rate-limited %s; waiting %.1f s as it asks", what, failure.wait)
        else:
            log.warning("%s failed: %s; retrying with backoff", what, failure.reason)

    def answered(self, what: str) -> None:
        """``what`` got an answer (or was given up)."""
        with self._lock:
            if what not in self._failing:
                return
            self._failing.discard(what)
            if self._failing:
                return
            took, failures = time.monotonic() - self._since, self._failures
            self._failures = 0
        log.info("Zulip answers again, after %d failed requests in %.1f s", failures, took)


class MeetbotClient(zulip.Client):
    """``zulip.Client`` whose every call is paced, retried as its kind allows and logged once."""

    def __init__(self, *args: Any, policy: RetryPolicy | None = None, **kwargs: Any) -> None:
        # Set before zulip.Client.__init__, which already makes a request (GET /server_settings).
        self.policy = policy or RetryPolicy()
        self.pacer = RequestPacer()
        # GET and DELETE /events are counted apart (Tornado's X-Ratelimit-* headers): a bot
        # polling once per event during a flood would exhaust that budget too.
        self.events_pacer = RequestPacer()
        self.stopping = False  # set on shutdown: stop retrying, answer with the last error
        self._episodes = _Episodes()
        self._last = threading.local()
        self._ready = False
        kwargs["retry_on_errors"] = False
        super().__init__(*args, **kwargs)
        self._ready = True

    def ensure_session(self) -> None:
        fresh = self.session is None
        super().ensure_session()
        if fresh and self.session is not None:
            self.session.hooks["response"].append(self._remember_response)
            _read_environment_once(self.session, self.base_url)

    def call_endpoint(
        self,
        url: str | None = None,
        method: str = "POST",
        request: dict[str, Any] | None = None,
        longpolling: bool = False,
        files: list[IO[Any]] | None = None,
        timeout: float | None = None,
    ) -> dict[str, Any]:
        if not self._ready:
            # Still in the constructor: an unreachable server should fail `meetbot run` at once.
            return super().call_endpoint(url, method, request, longpolling, files, timeout)
        call = _Call(url or "", method.upper(), request, longpolling, files, timeout)
        return self._call_with_retries(call)

    # -- one call ---------------------------------------------------------------------------

    def _call_with_retries(self, call: _Call) -> dict[str, Any]:
        deadline = time.monotonic() + self.policy.give_up_after
        attempt = 0
        while True:
            outcome = self._attempt(call)
            if isinstance(outcome, dict):
                self._episodes.answered(call.name)
                return outcome
            self._episodes.failed(call.name, outcome)
            if outcome.wait is not None:
                self._pacer_for(call).hold(outcome.wait)
            if call.longpolling:
                return _error_dict(outcome, UNREACHABLE)  # the event loop paces its own polls
            if outcome.sent and outcome.wait is None and not call.repeatable:
                return _error_dict(outcome, DELIVERY_UNKNOWN)
            delay = outcome.wait if outcome.wait is not None else self.policy.backoff(attempt)
            if self.stopping or time.monotonic() + delay > deadline:
                log.error(
                    "gave up on %s after %d attempts: %s", call.name, attempt + 1, outcome.reason
                )
                self._episodes.answered(call.name)
                return _error_dict(outcome, UNREACHABLE)
            self.pause(delay)
            attempt += 1

    def _attempt(self, call: _Call) -> dict[str, Any] | _Failure:
        """One HTTP request: Zulip's answer, or why there is none worth returning."""
        for file in call.files or []:
            file.seek(0)  # a retried upload sends the whole file again
        pacer = self._pacer_for(call)
        started = pacer.acquire()
        started_wall = time.time()
        self._last.status, self._last.headers = None, {}
        try:
            result = super().call_endpoint(
                call.url,
                call.method,
                call.request,
                False,  # the zulip client would wait 90 s, whatever the policy says
                call.files,
                self.policy.long_poll_timeout
                if call.longpolling
                else call.timeout or self.policy.request_timeout,
            )
        except requests.exceptions.RequestException as error:
            timed_out = isinstance(error, requests.exceptions.ReadTimeout)
            return _Failure(_describe(error), sent=not _never_sent(error), timed_out=timed_out)
        except zulip.UnrecoverableNetworkError as error:  # TLS trouble: maybe mid-request
            return _Failure(str(error), sent=True)
        status, headers = self._last.status, self._last.headers
        pacer.observe(started, started_wall, headers)
        return _classify(status, headers, result)

    def _pacer_for(self, call: _Call) -> RequestPacer:
        return self.events_pacer if call.url == "events" else self.pacer

    def _remember_response(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        self._last.status = response.status_code
        self._last.headers = response.headers  # case-insensitive: X-RateLimit or X-Ratelimit

    def pause(self, seconds: float) -> None:
        """Sleep, unless meetbot is stopping."""
        end = time.monotonic() + seconds
        while not self.stopping and (left := end - time.monotonic()) > 0:
            time.sleep(min(left, 0.25))


def _read_environment_once(session: requests.Session, url: str) -> None:
    """Settle the proxy and CA-bundle variables now, as requests would for ``url``.

    requests reads them on every request (a tenth of a millisecond each); every request of
    the bot goes to the one site, so once is the same answer.
    """
    found = session.merge_environment_settings(url, {}, None, None, None)
    session.proxies, session.verify, session.cert = (
        found["proxies"],
        found["verify"],
        found["cert"],
    )
    session.trust_env = False


@dataclass(frozen=True)
class _Call:
    url: str
    method: str
    request: dict[str, Any] | None
    longpolling: bool
    files: list[IO[Any]] | None
    timeout: float | None

    @property
    def name(self) -> str:
        return f"{self.method} /{self.url}"

    @property
    def repeatable(self) -> bool:
        return (self.method, self.url) not in _NOT_REPEATABLE


def _classify(
    status: int | None, headers: Mapping[str, str], result: dict[str, Any]
) -> dict[str, Any] | _Failure:
    if status == 429 or result.get("code") == RATE_LIMIT_HIT:
        wait = _seconds(_header(headers, "Retry-After")) or _seconds(result.get("retry-after"))
        return _Failure("429 rate limit hit", sent=False, wait=wait or 1.0)
    if status is not None and status >= 500:
        return _Failure(f"HTTP {status} from Zulip", sent=True)
    return result


def _error_dict(failure: _Failure, code: str) -> dict[str, Any]:
    answer: dict[str, Any] = {"result": "error", "code": code, "msg": failure.reason}
    if failure.wait is not None:
        answer["retry-after"] = failure.wait
    if failure.timed_out:
        answer["timed_out"] = True
    return answer


def _header(headers: Mapping[str, str], name: str) -> str | None:
    wanted = name.lower()
    return next((v for k, v in headers.items() if k.lower() == wanted), None)


def _seconds(value: Any) -> float | None:
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        return None
    return seconds if seconds >= 0 else None


def _never_sent(error: requests.exceptions.RequestException) -> bool:
    """Whether the request cannot have reached Zulip (the connection was never made)."""
    if isinstance(error, requests.exceptions.ConnectTimeout):
        return True
    reason = error.args[0] if error.args else None
    if isinstance(reason, urllib3.exceptions.MaxRetryError):
        reason = reason.reason
    return isinstance(
        reason, (urllib3.exceptions.NewConnectionError, urllib3.exceptions.ConnectTimeoutError)
    )


def _describe(error: requests.exceptions.RequestException) -> str:
    if isinstance(error, requests.exceptions.ReadTimeout):
        return "timed out waiting for Zulip's answer"
    if _never_sent(error):
        return "connection refused"
    return f"connection lost ({type(error).__name__})"
