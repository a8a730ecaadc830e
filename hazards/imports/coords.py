"""Coordinates copied from Chinese web maps: GCJ-02 (Amap, Tencent, Google China) and BD-09 (Baidu).

These are not coordinate systems GDAL or PROJ know: GCJ-02 is WGS84 shifted
by a published obfuscation formula (here about 500 m), BD-09 is GCJ-02
shifted again. The forward formulas are the ones every web map uses; the way
back is found by iteration to well under a centimetre. Outside China the
formula leaves points as they are. Arrays in, arrays out: (n, 2) longitude,
latitude.
"""

import numpy

_A = 6378245.0  # Krasovsky 1940 semi-major axis, as the formula uses it
_EE = 0.00669342162296594323
_X_PI = numpy.pi * 3000.0 / 180.0


def _in_china(lon, lat):
    return (lon > 72.004) & (lon < 137.8347) & (lat > 0.8293) & (lat < 55.8271)


def _delta(lon, lat):
    x, y = lon - 105.0, lat - 35.0
    pi = numpy.pi
    dlat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * numpy.sqrt(numpy.abs(x))
    dlat += (20.0 * numpy.sin(6.0 * x * pi) + 20.0 * numpy.sin(2.0 * x * pi)) * 2.0 / 3.0
    dlat += (20.0 * numpy.sin(y * pi) + 40.0 * numpy.sin(y / 3.0 * pi)) * 2.0 / 3.0
    dlat += (160.0 * numpy.sin(y / 12.0 * pi) + 320.0 * numpy.sin(y * pi / 30.0)) * 2.0 / 3.0
    dlon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * numpy.sqrt(numpy.abs(x))
    dlon += (20.0 * numpy.sin(6.0 * x * pi) + 20.0 * numpy.sin(2.0 * x * pi)) * 2.0 / 3.0
    dlon += (20.0 * numpy.sin(x * pi) + 40.0 * numpy.sin(x / 3.0 * pi)) * 2.0 / 3.0
    dlon += (150.0 * numpy.sin(x / 12.0 * pi) + 300.0 * numpy.sin(x / 30.0 * pi)) * 2.0 / 3.0
    rad = lat / 180.0 * pi
    magic = 1 - _EE * numpy.sin(rad) ** 2
    dlat = dlat * 180.0 / ((_A * (1 - _EE)) / (magic * numpy.sqrt(magic)) * pi)
    dlon = dlon * 180.0 / (_A / numpy.sqrt(magic) * numpy.cos(rad) * pi)
    inside = _in_china(lon, lat)
    return numpy.where(inside, dlon, 0.0), numpy.where(inside, dlat, 0.0)


def _split(lonlat):
    lonlat = numpy.asarray(lonlat, dtype=float).reshape(-1, 2)
    return lonlat[:, 0], lonlat[:, 1]


def wgs84_to_gcj02(lonlat):
    lon, lat = _split(lonlat)
    dlon, dlat = _delta(lon, lat)
    return numpy.column_stack([lon + dlon, lat + dlat])


def gcj02_to_wgs84(lonlat):
    """The WGS84 points that the GCJ-02 formula maps onto these, found by fixed-point iteration."""
    target = numpy.asarray(lonlat, dtype=float).reshape(-1, 2)
    guess = target.copy()
    for _ in range(30):
        error = wgs84_to_gcj02(guess) - target
        guess -= error
        if numpy.abs(error).max(initial=0) < 1e-10:  # about 0.01 mm
            break
    return guess


def gcj02_to_bd09(lonlat):
    lon, lat = _split(lonlat)
    z = numpy.hypot(lon, lat) + 0.00002 * numpy.sin(lat * _X_PI)
    theta = numpy.arctan2(lat, lon) + 0.000003 * numpy.cos(lon * _X_PI)
    return numpy.column_stack([z * numpy.cos(theta) + 0.0065, z * numpy.sin(theta) + 0.006])


def bd09_to_gcj02(lonlat):
    """Baidu's published inverse is approximate (decimetres); refine it by iteration against the forward formula."""
    target = numpy.asarray(lonlat, dtype=float).reshape(-1, 2)
    lon, lat = target[:, 0] - 0.0065, target[:, 1] - 0.006
    z = numpy.hypot(lon, lat) - 0.00002 * numpy.sin(lat * _X_PI)
    theta = numpy.arctan2(lat, lon) - 0.000003 * numpy.cos(lon * _X_PI)
    guess = numpy.column_stack([z * numpy.cos(theta), z * numpy.sin(theta)])
    for _ in range(30):
        error = gcj02_to_bd09(guess) - target
        guess -= error
        if numpy.abs(error).max(initial=0) < 1e-10:
            break
    return guess


def bd09_to_wgs84(lonlat):
    return gcj02_to_wgs84(bd09_to_gcj02(lonlat))


def wgs84_to_bd09(lonlat):
    return gcj02_to_bd09(wgs84_to_gcj02(lonlat))


# What an import may be asked to undo, each with its way back to WGS84.
TO_WGS84 = {"gcj02": gcj02_to_wgs84, "bd09": bd09_to_wgs84}
