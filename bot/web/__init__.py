"""The aiohttp application: webhooks, health, simulator and the JSON API."""
