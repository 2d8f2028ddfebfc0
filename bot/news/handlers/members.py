"""Telegram's word on the bot's own membership (`my_chat_member`): a user who blocks the bot is unsubscribed
at once, instead of when the next news item bounces off a 403.

The bot removed from a group forgets nothing because it keeps nothing about groups (subscriptions are
people's, in private chats); the update is still taken, so it never reaches another handler.
"""

from __future__ import annotations

import logging

from aiogram import F, Router
from aiogram.enums import ChatType
from aiogram.filters import KICKED, ChatMemberUpdatedFilter
from aiogram.types import ChatMemberUpdated

from bot.store import Store

log = logging.getLogger(__name__)


async def blocked(event: ChatMemberUpdated, store: Store) -> None:
    # In a private chat the chat is the user.
    if await store.subscriptions.unsubscribe(event.chat.id):
        log.info("user %d blocked the bot: unsubscribed", event.chat.id)


async def membership_changed(event: ChatMemberUpdated) -> None:
    """Unblocked, added to or removed from a group: nothing to store."""


def create_router() -> Router:
    router = Router(name="members")
    router.my_chat_member.register(
        blocked, F.chat.type == ChatType.PRIVATE, ChatMemberUpdatedFilter(member_status_changed=KICKED)
    )
    router.my_chat_member.register(membership_changed)
    return router
