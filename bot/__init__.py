"""Baqylau: an akimat's execution control in Telegram."""
