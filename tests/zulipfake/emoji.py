"""A small slice of Zulip's emoji data, enough for a bot's reactions.

Names follow Zulip's own emoji naming (tools/setup/emoji/emoji_names.py in zulip/zulip), which
differs from GitHub/Slack names: e.g. ``check`` (not ``white_check_mark``) is U+2705, and
``raised_hand`` is an alias whose canonical name is ``hand``.  A name that is not in this
table is rejected the way the real server rejects unknown emoji, so a bot that uses a name
Zulip does not know fails here too instead of in production.
"""

from __future__ import annotations

from dataclasses import dataclass

UNICODE_EMOJI = "unicode_emoji"
REALM_EMOJI = "realm_emoji"
ZULIP_EXTRA_EMOJI = "zulip_extra_emoji"
REACTION_TYPES = (UNICODE_EMOJI, REALM_EMOJI, ZULIP_EXTRA_EMOJI)

# code point -> (canonical name, aliases), as in Zulip's emoji_names.py.
_UNICODE: dict[str, tuple[str, tuple[str, ...]]] = {
    "1f44b": ("wave", ("hello", "hi")),
    "1f44d": ("+1", ("thumbs_up",)),
    "1f44e": ("-1", ("thumbs_down",)),
    "1f389": ("tada", ("congratulations",)),
    "2705": ("check", ("all_good", "approved")),
    "274c": ("cross_mark", ("incorrect", "wrong")),
    "2764": ("heart", ("love", "love_you")),
    # Older Zulip called U+1F642 slight_smile; current Zulip help pages show it as smile.
    "1f642": ("smile", ()),
    "1f600": ("grinning", ("happy",)),
    "1f419": ("octopus", ()),
    "270b": ("hand", ("raised_hand",)),
    "1f440": ("eyes", ("looking",)),
    "1f44f": ("clap", ("applause",)),
    "1f64f": ("pray", ("welcome", "thank_you", "namaste")),
    "1f914": ("thinking", ()),
    "1f680": ("rocket", ()),
    "1f4dd": ("memo", ("note",)),
    "1f44c": ("ok", ("got_it",)),
    "1f937": ("shrug", ()),
    # Keycaps, as Zulip names them (a quick vote's options 1-9).
    "0031-20e3": ("one", ()),
    "0032-20e3": ("two", ()),
    "0033-20e3": ("three", ()),
    "0034-20e3": ("four", ()),
    "0035-20e3": ("five", ()),
    "0036-20e3": ("six", ()),
    "0037-20e3": ("seven", ()),
    "0038-20e3": ("eight", ()),
    "0039-20e3": ("nine", ()),
}

NAME_TO_CODE: dict[str, str] = {
    name: code for code, (canonical, aliases) in _UNICODE.items() for name in (canonical, *aliases)
}
CODE_TO_CANONICAL: dict[str, str] = {code: canonical for code, (canonical, _) in _UNICODE.items()}

# Zulip's only "extra" emoji.
ZULIP_EXTRA = {"zulip": "zulip"}


@dataclass(frozen=True)
class RealmEmoji:
    id: str
    name: str
    author_id: int | None
    deactivated: bool = False

    def to_api(self) -> dict[str, object]:
        return {
            "id": self.id,
            "name": self.name,
            "source_url": f"/user_avatars/2/emoji/images/{self.id}.png",
            "deactivated": self.deactivated,
            "author_id": self.author_id,
            "still_url": None,
        }


class EmojiError(ValueError):
    """An emoji request the real server rejects (answered as a 400 BAD_REQUEST)."""


def emoji_data(name: str, realm_emoji: dict[str, RealmEmoji]) -> tuple[str, str]:
    """(emoji_code, reaction_type) for a name: realm emoji first, then zulip, then unicode.

    Mirrors zerver/lib/emoji.py get_emoji_data.
    """
    for emoji in realm_emoji.values():
        if emoji.name == name and not emoji.deactivated:
            return emoji.id, REALM_EMOJI
    if name in ZULIP_EXTRA:
        return ZULIP_EXTRA[name], ZULIP_EXTRA_EMOJI
    if name in NAME_TO_CODE:
        return NAME_TO_CODE[name], UNICODE_EMOJI
    raise EmojiError(f"Emoji '{name}' does not exist")


def check_emoji_request(
    name: str, code: str, reaction_type: str, realm_emoji: dict[str, RealmEmoji]
) -> None:
    """Validate an explicit (name, code, type) triple; mirrors check_emoji_request."""
    if reaction_type == REALM_EMOJI:
        emoji = realm_emoji.get(code)
        if emoji is None:
            raise EmojiError("Invalid custom emoji.")
        if emoji.name != name:
            raise EmojiError("Invalid custom emoji name.")
        if emoji.deactivated:
            raise EmojiError("This custom emoji has been deactivated.")
    elif reaction_type == ZULIP_EXTRA_EMOJI:
        if code not in ZULIP_EXTRA.values():
            raise EmojiError("Invalid emoji code.")
        if name != code:
            raise EmojiError("Invalid emoji name.")
    elif reaction_type == UNICODE_EMOJI:
        if code not in CODE_TO_CANONICAL:
            raise EmojiError("Invalid emoji code.")
        if NAME_TO_CODE.get(name) != code:
            raise EmojiError("Invalid emoji name.")
    else:
        raise EmojiError("Invalid emoji type.")
