"""Removal from control under the consent rule: the akim's or the head of apparatus's tap."""
