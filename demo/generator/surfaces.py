"""Long-run spatial risk of each crime-type component on the 50 m raster: kernel densities of the
risk terrain, persistent micro hot spots and a smooth 'disadvantage' field, normalised to sum to 1."""

from __future__ import annotations

import numpy as np
from scipy.ndimage import gaussian_filter

from .catalogue import Component
from .geography import Raster

KDE_BANDWIDTH_M = {"bars": 120.0, "transit_stops": 150.0, "shopping": 150.0, "schools": 200.0}
SURFACE_LAYERS = {
    "bars": "bars",
    "transit": "transit_stops",
    "shopping": "shopping",
    "schools": "schools",
}
SURFACE_NAMES = (*SURFACE_LAYERS, "residential", "hotspots")
HOTSPOT_COUNT = 15  # persistent problem addresses (a motel, a rooming house, a housing block)
HOTSPOT_SPREAD_M = 60.0
HOTSPOT_WEIGHT_SIGMA = 1.0  # log-normal spread of how bad each hot spot is, per crime type
DISADVANTAGE_SPREAD_M = 500.0
DISADVANTAGE_SIGMA = 0.5  # log-scale spread of the smooth field every type shares


def shared_surfaces(
    raster: Raster, layers_xy: dict, homes: np.ndarray, rng: np.random.Generator
) -> dict[str, np.ndarray]:
    """Each surface in SURFACE_NAMES except hot spots, as a density summing to 1 over land, plus
    'disadvantage' (a multiplier with mean 1) and 'hotspot_points' (the hot-spot pixel images)."""
    out = {}
    for surface, layer in SURFACE_LAYERS.items():
        _, x, y = layers_xy[layer]
        kde = gaussian_filter(raster.histogram(x, y), KDE_BANDWIDTH_M[layer] / raster.pixel_m)
        out[surface] = _normalise(kde, raster)
    out["residential"] = _normalise(homes, raster)
    noise = gaussian_filter(
        rng.standard_normal((raster.ny, raster.nx)), DISADVANTAGE_SPREAD_M / raster.pixel_m
    )
    z = (noise - noise[raster.inside].mean()) / noise[raster.inside].std()
    out["disadvantage"] = np.exp(DISADVANTAGE_SIGMA * z)
    # Problem addresses sit where people live, with a pull towards the bar districts.
    draw = (out["residential"] + 0.5 * out["bars"]).ravel()
    spots = rng.choice(draw.size, size=HOTSPOT_COUNT, replace=False, p=draw / draw.sum())
    images = np.zeros((HOTSPOT_COUNT, raster.ny * raster.nx))
    images[np.arange(HOTSPOT_COUNT), spots] = 1.0
    out["hotspot_points"] = np.stack(
        [
            gaussian_filter(im.reshape(raster.ny, raster.nx), HOTSPOT_SPREAD_M / raster.pixel_m)
            for im in images
        ]
    )
    return out


def type_hotspots(raster: Raster, shared: dict, rng: np.random.Generator) -> np.ndarray:
    """The hot-spot surface of one crime type: the shared spots with type-specific severities."""
    weights = rng.lognormal(0.0, HOTSPOT_WEIGHT_SIGMA, size=HOTSPOT_COUNT)
    return _normalise(np.tensordot(weights, shared["hotspot_points"], axes=1), raster)


def component_density(
    component: Component, raster: Raster, shared: dict, hotspots: np.ndarray
) -> np.ndarray:
    """Probability of each pixel for one background incident of the component (sums to 1)."""
    mix = sum(
        w * (hotspots if name == "hotspots" else shared[name])
        for name, w in component.surface.items()
    )
    return _normalise(mix * shared["disadvantage"], raster)


def _normalise(image: np.ndarray, raster: Raster) -> np.ndarray:
    image = np.where(raster.inside, np.maximum(image, 0.0), 0.0)
    return image / image.sum()
