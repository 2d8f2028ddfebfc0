"""What the admin sees of their own text before it is stored: the preview exactly as subscribers will get it
(dated by the item's day), why Telegram would refuse it, and whether it is written in the language asked."""

from __future__ import annotations

import datetime as dt
import re

from aiogram.types import Message

from bot.core.html import q
from bot.core.i18n import Translator
from bot.core.telegram_rules import TextProblem, visible_text
from bot.news.items import render_item
from bot.news.repository import Media, NewsDraft

CYRILLIC = re.compile(r"[а-яё]", re.IGNORECASE)
LATIN = re.compile(r"[a-z]", re.IGNORECASE)
HAN = re.compile(r"[\u3400-\u9fff]")


def day_of(moment: float) -> dt.datetime:
    """The item's moment (clock seconds) as subscribers' dates are taken from it."""
    return dt.datetime.fromtimestamp(moment, dt.UTC)


def script_fits(locale: str, html: str) -> bool:
    """Does the text look written in `locale`? Russian has Cyrillic letters, Chinese has Han characters,
    English has Latin letters and no Cyrillic. Names in another script are fine: only a text with none of its
    language's script (or English in Cyrillic) is questioned."""
    text = visible_text(html)
    if locale == "ru":
        return bool(CYRILLIC.search(text)) or not LATIN.search(text)
    if locale == "zh":
        return bool(HAN.search(text)) or not (LATIN.search(text) or CYRILLIC.search(text))
    return bool(LATIN.search(text)) or not (CYRILLIC.search(text) or HAN.search(text))


def wrong_script_question(t: Translator, locale: str) -> str:
    return (
        {
            "ru": t._("This text does not look like Russian. Keep it as the Russian text?"),
            "en": t._("This text does not look like English. Keep it as the English text?"),
            "zh": t._("This text does not look like Chinese. Keep it as the Chinese text?"),
        }[locale]
        + "\n\n"
        + t._("Or send the right text instead.")
    )


def attached_media(message: Message) -> Media | None:
    """The photo (its largest size) or document of the admin's message, by Telegram's `file_id`."""
    if message.photo:
        return Media(kind="photo", file_id=message.photo[-1].file_id)
    if message.document is not None:
        return Media(kind="document", file_id=message.document.file_id)
    return None


async def send_preview(message: Message, reader: Translator, draft: NewsDraft, day: dt.datetime) -> None:
    """The item exactly as a subscriber reading `reader`'s language gets it (a photo or file with it), dated
    `day` (the item's: now for a new one, its own for a correction)."""
    text = render_item(reader, draft, day)
    media = draft.media
    if media is None or media.file_id is None:
        await message.answer(text)
    elif media.kind == "photo":
        await message.answer_photo(media.file_id, caption=text)
    else:
        await message.answer_document(media.file_id, caption=text)


def explain(t: Translator, problem: TextProblem) -> str:
    """A problem with the admin's text, in the admin's language (the shell keeps `problem.detail`)."""
    if problem.kind == "too_long":
        return t.ngettext(
            "too long: with the heading and the footer it comes to {length} character, and Telegram takes "
            "at most {limit}; please shorten it by {over}",
            "too long: with the heading and the footer it comes to {length} characters, and Telegram takes "
            "at most {limit}; please shorten it by {over}",
            problem.length,
        ).format(length=problem.length, limit=problem.limit, over=problem.length - problem.limit)
    if problem.kind == "empty":
        return t._("the text is empty")
    if problem.kind == "title_empty":
        return t._("the title is empty")
    if problem.kind == "title_too_long":
        return t.ngettext(
            "the title is longer than {limit} character",
            "the title is longer than {limit} characters",
            problem.limit,
        ).format(limit=problem.limit)
    return t._("the formatting is not valid Telegram HTML")


async def refuse_text(message: Message, t: Translator, problems: list[TextProblem]) -> None:
    """Why Telegram would refuse the admin's text, each reason once, in the admin's language."""
    explained = list(dict.fromkeys(explain(t, problem) for problem in problems))
    await message.answer(
        t._("Telegram would refuse this text ({problems}). Please send it again.").format(
            problems=q(t.list_separator().join(explained))
        )
    )
