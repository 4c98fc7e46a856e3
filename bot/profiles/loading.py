"""Loading a shipped profile (TOML in this folder), overriding single values, and describing
a profile parameter by parameter."""

from __future__ import annotations

import difflib
import tomllib
from collections.abc import Mapping
from functools import cache
from importlib import resources
from typing import Any

from pydantic import ValidationError

from bot.profiles.model import (
    _ALL_NAMES,
    _EXPECTED,
    _OPTIONAL,
    _PER_KIND,
    _SUBFIELDS,
    PARAMETER_NAMES,
    Profile,
)
from bot.profiles.values import Param, _norm_name

PROFILE_NAMES: tuple[str, ...] = ("ust-kamenogorsk-2025", "baidibek-2025", "almaty-2016")
DEFAULT_PROFILE = "ust-kamenogorsk-2025"
OVERRIDE_CITE = "override"

_OFF_WORDS = frozenset({"off", "none", "null", "-", "—"})


class ProfileError(ValueError):
    """A profile cannot be loaded or overridden; the message is one human sentence."""


def _profile_text(name: str) -> str:
    return resources.files("bot").joinpath("profiles", f"{name}.toml").read_text("utf-8")


@cache
def _base_profile(name: str) -> Profile:
    try:
        raw = tomllib.loads(_profile_text(name))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ProfileError(f"The profile file for '{name}' cannot be read: {exc}.") from exc
    data: dict[str, Any] = {}
    for key, item in raw.items():
        if key == "off":
            data["off_notes"] = item
        else:
            data[key] = item
    try:
        profile = Profile.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise ProfileError(
            f"The shipped profile '{name}' is invalid at '{where}': {first['msg']}."
        ) from exc
    if profile.name != name:
        raise ProfileError(f"The profile file '{name}.toml' declares the name '{profile.name}'.")
    return profile


def load_profile(name: str, overrides: Mapping[str, object] | None = None) -> Profile:
    """Load the named profile and apply overrides (plain or dotted parameter names).

    An override replaces the value; the parameter's cite becomes ``"override"``. ``None`` or
    ``"off"`` switches an optional parameter off.
    """
    if name not in PROFILE_NAMES:
        raise ProfileError(
            f"Unknown regulation profile '{name}'; known profiles: {', '.join(PROFILE_NAMES)}."
        )
    profile = _base_profile(name)
    for key, raw in (overrides or {}).items():
        profile = _apply_override(profile, key, raw)
    return profile


def _unknown_parameter(key: str) -> ProfileError:
    close = difflib.get_close_matches(_norm_name(key), _ALL_NAMES, n=3, cutoff=0.6)
    if close:
        hint = "did you mean " + " or ".join(f"'{match}'" for match in close) + "?"
    else:
        hint = "known parameters: " + ", ".join(PARAMETER_NAMES) + "."
    return ProfileError(f"Unknown profile parameter '{key}'; {hint}")


def _is_off(raw: object) -> bool:
    return raw is None or (isinstance(raw, str) and raw.strip().lower() in _OFF_WORDS)


def _apply_override(profile: Profile, key: str, raw: object) -> Profile:
    name = _norm_name(key)
    param_name, _, sub = name.partition(".")
    if param_name not in PARAMETER_NAMES or (sub and sub not in _SUBFIELDS.get(param_name, {})):
        raise _unknown_parameter(key)
    data = profile.model_dump(mode="python")
    notes: dict[str, str] = dict(data["off_notes"])
    if sub:
        current = data[param_name]
        if current is None:
            raise ProfileError(
                f"Parameter '{param_name}' is off in profile '{profile.name}', so '{key}' cannot "
                f"be set alone; override '{param_name}' as a whole."
            )
        value = dict(current["value"])
        if param_name in _PER_KIND and sub != "default":
            value["per_kind"] = {**value["per_kind"], sub: raw}
        else:
            value[sub] = raw
        data[param_name] = {"value": value, "cite": OVERRIDE_CITE}
        expected = _SUBFIELDS[param_name][sub]
    elif raw is None or (param_name in _OPTIONAL and _is_off(raw)):
        if param_name not in _OPTIONAL:
            raise ProfileError(
                f"Parameter '{param_name}' cannot be switched off; expected "
                f"{_EXPECTED[param_name]}."
            )
        data[param_name] = None
        notes[param_name] = OVERRIDE_CITE
        expected = _EXPECTED[param_name]
    else:
        data[param_name] = {"value": raw, "cite": OVERRIDE_CITE}
        notes.pop(param_name, None)
        expected = _EXPECTED[param_name]
    data["off_notes"] = notes
    try:
        return Profile.model_validate(data)
    except ValidationError as exc:
        raise ProfileError(f"Bad value {raw!r} for '{key}': expected {expected}.") from exc


def _value_text(param: Param[Any] | None) -> str:
    if param is None:
        return "off"
    value = param.value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, tuple):
        return ", ".join(str(item) for item in value)
    return str(value)


def describe(profile: Profile) -> list[tuple[str, str, str]]:
    """Rows of (parameter, value text, cite) in declaration order, for the README and CLI.

    The value text is in the form an override accepts; an off parameter shows ``"off"`` and,
    as its cite, the note on why it is off.
    """
    rows: list[tuple[str, str, str]] = []
    for name in PARAMETER_NAMES:
        param = profile.param(name)
        cite = (
            param.cite if param is not None else profile.off_notes.get(name, "regulation silent")
        )
        rows.append((name, _value_text(param), cite))
    return rows
