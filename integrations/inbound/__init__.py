"""Inbound provider webhooks: receivers, verification, storage and the handler registry."""
