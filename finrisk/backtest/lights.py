"""The traffic light of a calibration test: green, amber, red, or insufficient (too few outcomes)."""

from __future__ import annotations

LIGHTS = ("green", "amber", "red", "insufficient")


def light(p_value: float, observations: int, amber_p: float, red_p: float, min_observations: int) -> str:
    """Red below `red_p`, amber below `amber_p`, else green; 'insufficient' under `min_observations`."""
    if red_p >= amber_p:
        raise ValueError(f"red_p {red_p} must be below amber_p {amber_p}")
    if observations < min_observations or p_value != p_value:  # NaN: no test was possible
        return "insufficient"
    if p_value < red_p:
        return "red"
    if p_value < amber_p:
        return "amber"
    return "green"


def worst(lights: list[str]) -> str:
    """The worst lit light of several (red > amber > green); 'insufficient' only when none is lit."""
    for colour in ("red", "amber", "green"):
        if colour in lights:
            return colour
    return "insufficient"
