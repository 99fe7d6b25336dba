"""The generators: seeded, physically modelled PaN-like data (photon counting, SAXS, tomography,
XRF, neutron time of flight, scan traces), each returning a `Sample` with its exact noise model.

Calibration parameters come from real frames (shared/real-data, reference only): the SAXS
background law and ring heights, the neutron count level and elastic-peak shape.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .entropy import gaussian_entropy_bits
from .sample import Noise, Sample, poisson_noise

# --- photon-counting powder diffraction (EIGER-like) -------------------------------------------

LAB6_D = (4.1569, 2.9394, 2.4000, 2.0785, 1.8590, 1.6970, 1.4697, 1.3856, 1.3145, 1.2533, 1.2000)
EIGER_MODULE, EIGER_GAP = (514, 1030), (37, 10)


def eiger_gaps(ny: int, nx: int, col_offset: int = 518) -> np.ndarray:
    """Inter-module gaps of an EIGER-like detector (514×1030 modules, 37/10-pixel gaps)."""
    y, x = np.ogrid[:ny, :nx]
    my, gy = EIGER_MODULE[0], EIGER_GAP[0]
    mx, gx = EIGER_MODULE[1], EIGER_GAP[1]
    # The column offset puts a vertical gap inside a 1024-wide frame, as on a 4M detector.
    return ((y % (my + gy)) >= my) | (((x + col_offset) % (mx + gx)) >= mx)


def powder_lambda(ny: int, nx: int, mean_counts: float = 0.71) -> tuple[np.ndarray, dict]:
    """Expected counts of a LaB6 powder frame: diffuse background, textured rings, beamstop."""
    wavelength, distance, pixel = 1.033, 100.0, 0.075  # Å, mm, mm
    cy, cx = ny * 0.52, nx * 0.49
    y, x = np.mgrid[:ny, :nx].astype(np.float64)
    r = np.hypot(y - cy, x - cx)
    chi = np.arctan2(y - cy, x - cx)
    two_theta = np.arctan(r * pixel / distance)
    lam = 0.15 + 1.0 / (1.0 + (r / 180.0) ** 2)
    for order, d in enumerate(LAB6_D):
        s = wavelength / (2 * d)
        if s >= 1:
            continue
        r_ring = distance * math.tan(2 * math.asin(s)) / pixel
        texture = 1 + 0.35 * np.cos(2 * chi + order) + 0.2 * np.cos(6 * chi)
        lam += 40.0 / (1 + 0.6 * order) * texture * np.exp(-0.5 * ((r - r_ring) / 1.4) ** 2)
    polar = 1 - 0.5 * np.sin(two_theta) ** 2 * (1 + np.cos(2 * chi))
    lam *= polar * np.cos(two_theta) ** 3
    lam[r < 22] = 0.0  # beamstop
    arm = (np.abs(y - cy) < 4) & (x > cx)
    lam[arm] *= 0.02
    lam *= mean_counts / lam.mean()
    return lam, {"wavelength_A": wavelength, "distance_mm": distance, "pixel_mm": pixel,
                 "rings": "LaB6", "mean_counts": mean_counts}


def photon_counting(frames: int, seed: int, dtype: str = "uint16", size: int = 1024) -> Sample:
    """Poisson powder frames with EIGER module gaps and dead pixels set to 2^N−1."""
    rng = np.random.default_rng(seed)
    lam, params = powder_lambda(size, size)
    masked = eiger_gaps(size, size) | (rng.random((size, size)) < 2e-4)
    fill = np.iinfo(dtype).max
    data = np.empty((frames, size, size), dtype=dtype)
    for i in range(frames):  # frame by frame: the int64 draws of a whole stack would be 4× the sample
        data[i] = np.minimum(rng.poisson(lam), fill - 1)
    data[:, masked] = fill
    params.update({"masked_fraction": float(masked.mean()), "frame": [size, size]})
    name = "pc-eiger-" + ("u16" if dtype == "uint16" else "u32")
    return Sample(name, "photon-counting diffraction", f"Photon-counting powder frames ({dtype}, EIGER-like)",
                  data, (1, size, size), poisson_noise(lam, masked), params, seed, float(fill))


# --- SAXS (Pilatus-like, calibrated on a real AgBeh frame) -------------------------------------

SAXS_SHAPE = (195, 487)


# Ring peak heights (counts above background) of AgBeh orders 1-12, and the background law,
# fitted to the radial profile of a real Pilatus 100K AgBeh frame (APS 15ID-D).
AGBEH_RING_HEIGHTS = (1.0e5, 1.7e4, 1.0e4, 3.6e3, 2.6e3, 1.0e3, 9.0e2, 2.0e2, 7.0e1, 2.0e1, 1.0e1, 1.0e1)


def saxs_lambda(ny: int = SAXS_SHAPE[0], nx: int = SAXS_SHAPE[1], level: float = 1.0) -> tuple[np.ndarray, dict]:
    """Expected counts of a SAXS frame: power law, silver-behenate rings, direct beam at the edge."""
    cy, cx = 84.5, -4.0
    amp, slope, cutoff, flat = 5.2e6, 1.9, 600.0, 64.0
    y, x = np.mgrid[:ny, :nx].astype(np.float64)
    r = np.hypot(y - cy, x - cx)
    chi = np.arctan2(y - cy, x - cx)
    lam = amp * np.clip(r, 2.0, None) ** -slope * np.exp(-r / cutoff) + flat
    spacing, width = 37.3, 1.3  # AgBeh d = 58.38 Å: equidistant orders
    for n, height in enumerate(AGBEH_RING_HEIGHTS, start=1):
        lam += height * (1 + 0.05 * np.cos(2 * chi)) * np.exp(-0.5 * ((r - n * spacing) / width) ** 2)
    lam *= level
    return lam, {"center": [cy, cx], "power_law": [amp, slope, cutoff], "background": flat,
                 "ring_spacing_px": spacing, "ring_width_px": width, "ring_heights": list(AGBEH_RING_HEIGHTS),
                 "level": level}


def saxs(frames: int, seed: int) -> Sample:
    """Pilatus-like SAXS frames (int32), calibrated so codec ratios match a real AgBeh frame."""
    rng = np.random.default_rng(seed)
    lam, params = saxs_lambda()
    data = rng.poisson(lam, size=(frames, *lam.shape)).astype(np.int32)
    params["frame"] = list(SAXS_SHAPE)
    return Sample("saxs-pilatus-i32", "SAXS", "SAXS frames (int32, Pilatus-like, AgBeh rings)",
                  data, (1, *SAXS_SHAPE), poisson_noise(lam), params, seed)


# --- tomography: 3-D Shepp–Logan phantom, parallel beam ----------------------------------------

# (a, b, c, x0, y0, z0, phi_deg, density): the 3-D Shepp–Logan phantom (Kak & Slaney).
SHEPP_LOGAN_3D = (
    (0.69, 0.92, 0.90, 0.0, 0.0, 0.0, 0.0, 2.0),
    (0.6624, 0.874, 0.88, 0.0, -0.0184, 0.0, 0.0, -0.98),
    (0.41, 0.16, 0.21, -0.22, 0.0, -0.25, 108.0, -0.02),
    (0.31, 0.11, 0.22, 0.22, 0.0, -0.25, 72.0, -0.02),
    (0.21, 0.25, 0.50, 0.0, 0.35, -0.25, 0.0, 0.01),
    (0.046, 0.046, 0.046, 0.0, 0.1, -0.25, 0.0, 0.01),
    (0.046, 0.023, 0.02, -0.08, -0.605, -0.25, 0.0, 0.01),
    (0.046, 0.023, 0.02, 0.06, -0.605, -0.25, 90.0, 0.01),
    (0.056, 0.04, 0.10, 0.06, -0.105, 0.625, 90.0, 0.02),
    (0.056, 0.056, 0.10, 0.0, 0.1, 0.625, 0.0, -0.02),
)


def phantom_projections(angles: np.ndarray, ny: int, nx: int) -> np.ndarray:
    """Exact line integrals of the ellipsoid phantom, rotating about the vertical axis."""
    u = np.linspace(-1, 1, nx)
    v = np.linspace(-1, 1, ny)[:, None]
    out = np.zeros((len(angles), ny, nx))
    for i, th in enumerate(angles):
        d = np.array([math.cos(th), math.sin(th), 0.0])
        p0x, p0y = -math.sin(th) * u[None, :], math.cos(th) * u[None, :]
        for a, b, c, x0, y0, z0, phi, rho in SHEPP_LOGAN_3D:
            cp, sp = math.cos(math.radians(phi)), math.sin(math.radians(phi))
            # Ray origin and direction in the ellipsoid's frame, scaled to a unit sphere.
            qx = ((p0x - x0) * cp + (p0y - y0) * sp) / a
            qy = (-(p0x - x0) * sp + (p0y - y0) * cp) / b
            qz = (v - z0) / c
            ex, ey = (d[0] * cp + d[1] * sp) / a, (-d[0] * sp + d[1] * cp) / b
            aa = ex * ex + ey * ey
            bb = qx * ex + qy * ey
            cc = qx * qx + qy * qy + qz * qz - 1
            disc = np.clip(bb * bb - aa * cc, 0, None)
            out[i] += rho * 2 * np.sqrt(disc) / aa
    return out


@dataclass(frozen=True)
class TomoBeam:
    i0: float = 2.0e4
    dark: float = 100.0
    read_noise: float = 2.0
    mu_scale: float = 0.95
    column_fpn: float = 0.02


def _tomo_expected(frames: int, seed: int, ny: int, nx: int, beam: TomoBeam) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    angles = np.linspace(0, math.pi, frames, endpoint=False)
    line = phantom_projections(angles, ny, nx) * beam.mu_scale
    v = np.linspace(-1, 1, ny)[:, None]
    flat = beam.i0 * np.exp(-0.5 * (v / 1.2) ** 2) * (1 + beam.column_fpn * rng.standard_normal(nx))[None, :]
    return flat * np.exp(-line), flat


def tomo_raw(frames: int, seed: int, ny: int = 512, nx: int = 512, beam: TomoBeam = TomoBeam()) -> Sample:
    """sCMOS-like raw projections (uint16): Poisson photons + dark offset + Gaussian read noise."""
    lam, _ = _tomo_expected(frames, seed, ny, nx, beam)
    raw = _tomo_counts(lam, seed, beam)
    # Counts ≫ 1, so Poisson + read noise is Gaussian with variance λ + σ_read² on the integer grid.
    bits = float(gaussian_entropy_bits(np.sqrt(lam + beam.read_noise**2)).mean())
    params = {"i0": beam.i0, "dark": beam.dark, "read_noise": beam.read_noise, "mu_scale": beam.mu_scale,
              "phantom": "Shepp-Logan 3-D", "angles": "0..180 deg", "frame": [ny, nx]}
    return Sample("tomo-raw-u16", "tomography (raw)", "Raw tomography projections (uint16, sCMOS-like)",
                  raw, (1, ny, nx), Noise(bits), params, seed)


def _tomo_counts(lam: np.ndarray, seed: int, beam: TomoBeam) -> np.ndarray:
    rng = np.random.default_rng(seed + 1)
    raw = rng.poisson(lam) + beam.dark + beam.read_noise * rng.standard_normal(lam.shape)
    return np.clip(np.rint(raw), 0, 65535).astype(np.uint16)


def tomo_norm(frames: int, seed: int, ny: int = 512, nx: int = 512, beam: TomoBeam = TomoBeam()) -> Sample:
    """Normalised projections −log((raw−dark)/flat) as float32, noise σ known per pixel."""
    lam, flat = _tomo_expected(frames, seed, ny, nx, beam)
    raw = _tomo_counts(lam, seed, beam).astype(np.float64)
    data = (-np.log(np.clip(raw - beam.dark, 1, None) / flat)).astype(np.float32)
    sigma = np.sqrt(lam + beam.read_noise**2) / lam  # error propagation through −log
    # The floats are a function of the raw counts: they cannot hold more information.
    bits = float(gaussian_entropy_bits(np.sqrt(lam + beam.read_noise**2)).mean())
    params = {"i0": beam.i0, "dark": beam.dark, "read_noise": beam.read_noise, "mu_scale": beam.mu_scale,
              "phantom": "Shepp-Logan 3-D", "normalisation": "-log((raw-dark)/flat)", "frame": [ny, nx]}
    return Sample("tomo-norm-f32", "tomography (normalised)", "Normalised tomography projections (float32)",
                  data, (1, ny, nx), Noise(bits, sigma=sigma), params, seed)


# --- XRF map -----------------------------------------------------------------------------------

XRF_LINES = (  # element, (line keV, relative intensity) ...
    ("Ca", ((3.69, 1.0), (4.01, 0.13))),
    ("Fe", ((6.40, 1.0), (7.06, 0.13))),
    ("Cu", ((8.05, 1.0), (8.90, 0.14))),
    ("Zn", ((8.64, 1.0), (9.57, 0.14))),
    ("Pb", ((10.55, 1.0), (12.61, 0.8), (14.76, 0.1))),
)


def xrf_map(rows: int, seed: int, width: int = 64, channels: int = 2048) -> Sample:
    """Poisson XRF spectra over a 2-D map: five elements with smooth maps, scatter, continuum."""
    rng = np.random.default_rng(seed)
    e = (np.arange(channels) + 0.5) * 0.01  # keV, 10 eV channels
    y, x = np.mgrid[:rows, :width] / max(rows, width)
    spectra = np.zeros((rows, width, channels))
    for k, (_, lines) in enumerate(XRF_LINES):
        cx, cy = rng.random(2)
        conc = 0.2 + np.exp(-((x - cx) ** 2 + (y - cy) ** 2) / (2 * (0.12 + 0.1 * k / 5) ** 2))
        for energy, rel in lines:
            fwhm = math.sqrt(0.1**2 + 2.35**2 * 0.0036 * 0.115 * energy)  # Fano-limited
            peak = rel * np.exp(-0.5 * ((e - energy) / (fwhm / 2.355)) ** 2)
            spectra += 60.0 * conc[..., None] * peak[None, None, :]
    scatter = 30.0 * np.exp(-0.5 * ((e - 17.0) / 0.08) ** 2) + 20.0 * np.exp(-0.5 * ((e - 16.3) / 0.25) ** 2)
    continuum = 5.0 * np.exp(-e / 4.0) * (e > 1.0)
    spectra += (scatter + continuum)[None, None, :]
    lam = spectra * (2900.0 / spectra.sum(-1).mean())
    data = rng.poisson(lam).astype(np.uint32)
    params = {"elements": [el for el, _ in XRF_LINES], "channel_keV": 0.01, "incident_keV": 17.0,
              "counts_per_spectrum": 2900, "map": [rows, width]}
    return Sample("xrf-map-u32", "XRF map", "XRF map, one spectrum per pixel (uint32)",
                  data, (1, width, channels), poisson_noise(lam), params, seed)


# --- neutron time of flight (FOCUS-like, calibrated on real PSI counts) ------------------------

TOF_SHAPE = (375, 713)


def tof_lambda(detectors: int = TOF_SHAPE[0], channels: int = TOF_SHAPE[1],
               level: float = 0.93, rng: np.random.Generator | None = None) -> tuple[np.ndarray, dict]:
    """Expected counts per detector and ToF channel: background, inelastic band, elastic peak."""
    rng = rng or np.random.default_rng(0)
    t = np.arange(channels, dtype=np.float64)
    det = np.linspace(0, 1, detectors)[:, None]
    background = 0.44 + 0.12 * np.exp(-t / 300.0) + 0.45 * np.exp(-0.5 * ((t - 125) / 28.0) ** 2)
    angle = 0.7 + 0.6 * np.exp(-0.5 * ((det - 0.3) / 0.35) ** 2)
    eff = np.clip(1 + 0.12 * rng.standard_normal((detectors, 1)), 0.5, None)
    centre = 669.0 + 1.2 * rng.standard_normal((detectors, 1))
    elastic = 130.0 * np.exp(-0.5 * ((t - centre) / 3.4) ** 2) + 3.0 * np.exp(-np.abs(t - centre) / 12.0)
    lam = level * eff * (angle * background[None, :] + elastic)
    return lam, {"elastic_channel": 669, "elastic_width_ch": 3.4, "level": level, "frame": [detectors, channels]}


def neutron_tof(frames: int, seed: int) -> Sample:
    """Low-count neutron ToF histograms (int32), calibrated on the PSI FOCUS spectrometer's counts."""
    rng = np.random.default_rng(seed)
    lam, params = tof_lambda(rng=rng)
    data = rng.poisson(lam, size=(frames, *lam.shape)).astype(np.int32)
    return Sample("neutron-tof-i32", "neutron time of flight", "Neutron ToF counts (int32, FOCUS-like)",
                  data, (1, *TOF_SHAPE), poisson_noise(lam), params, seed)


# --- 1-D scan / monitor ------------------------------------------------------------------------

def scan_monitor(samples: int, seed: int, lsb: float = 1e-3, noise_lsb: float = 3.0) -> Sample:
    """A float64 monitor trace (e.g. ring current): slow trend and ADC noise on a fixed LSB grid."""
    rng = np.random.default_rng(seed)
    t = np.arange(samples, dtype=np.float64)
    trend = 200.0 - 0.4 * (t / max(samples, 1)) + 0.05 * np.sin(2 * math.pi * t / 65536.0)
    codes = np.rint(trend / lsb + noise_lsb * rng.standard_normal(samples))
    data = codes * lsb
    bits = float(gaussian_entropy_bits(np.array([noise_lsb]))[0])
    sigma = np.full(1, noise_lsb * lsb)
    chunk = min(samples, 1 << 16)
    params = {"lsb": lsb, "noise_lsb": noise_lsb, "trend": "200 mA decay + top-up ripple"}
    return Sample("scan-monitor-f64", "scan/monitor", "1-D monitor trace (float64, ADC noise)",
                  data, (chunk,), Noise(bits, sigma=sigma), params, seed)
