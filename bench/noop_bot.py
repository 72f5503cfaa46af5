"""The no-op bot: the floor meetbot's throughput is compared with.

Same ``zulip`` client, same event loop shape as ``meetbot run`` (register, long-poll
``get_events``, one ``send_message`` per command), but it answers every mention with "ok" and
does nothing else. What meetbot costs beyond this is meetbot's own work.

    python bench/noop_bot.py BOTRC
"""

from __future__ import annotations

import logging
import signal
import sys
from types import FrameType
from typing import Any

import zulip

log = logging.getLogger("noop_bot")


def reply_to(message: dict[str, Any]) -> dict[str, Any]:
    """The "ok" answer in the message's own topic or direct-message conversation."""
    if message.get("type") == "private":
        return {
            "type": "private",
            "to": [r["id"] for r in message["display_recipient"]],
            "content": "ok",
        }
    return {
        "type": "stream",
        "to": message["display_recipient"],
        "topic": message.get("subject", ""),
        "content": "ok",
    }


def run(config_file: str) -> None:
    client = zulip.Client(config_file=config_file, client="noop-bench-bot/1")
    me = client.get_profile()
    if me.get("result") != "success":
        raise SystemExit(f"cannot connect: {me.get('msg')}")
    registered = client.register(event_types=["message"])
    queue_id, last_event_id = registered["queue_id"], registered["last_event_id"]
    log.info("listening for events on queue %s", queue_id)
    while True:
        response = client.get_events(queue_id=queue_id, last_event_id=last_event_id)
        if response.get("result") != "success":
            raise SystemExit(f"cannot get events: {response.get('msg')}")
        for event in response["events"]:
            last_event_id = max(last_event_id, int(event["id"]))
            message = event.get("message")
            if event["type"] != "message" or message["sender_id"] == me["user_id"]:
                continue
            if "mentioned" in event.get("flags", []) or message["type"] == "private":
                client.send_message(reply_to(message))


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")

    def on_terminate(signum: int, frame: FrameType | None) -> None:
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, on_terminate)
    run(sys.argv[1] if len(sys.argv) > 1 else "botrc")
    return 0


if __name__ == "__main__":
    sys.exit(main())
