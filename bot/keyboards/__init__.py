"""Inline keyboards, built with `InlineKeyboardBuilder`; handlers never assemble buttons themselves."""
