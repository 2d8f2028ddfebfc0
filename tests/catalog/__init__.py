"""Tests of bot.catalog."""
