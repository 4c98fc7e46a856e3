"""Removal from control with a ground and a note, under the profile's consent rule."""
