"""Tests of bot.news."""
