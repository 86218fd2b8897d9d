"""Typed keys for what the application and requests carry."""

from __future__ import annotations

from aiohttp import web

from bot.bootstrap import Services

SERVICES = web.AppKey("services", Services)
