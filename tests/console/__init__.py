"""Tests of bot.console."""
