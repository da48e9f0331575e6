#!/usr/bin/env python3
"""Builds cli/assets/report/world.txt: the coastline and country borders the HTML report's
map draws, as SVG path data in an equirectangular projection (x = longitude + 180,
y = 90 - latitude, so the world is 360 x 180 units).

Input: the npm package world-atlas 2.0.2 (Natural Earth 4.1.0 at 1:110m, public domain,
redistributed as TopoJSON under the ISC licence):

    npm pack world-atlas@2.0.2 && tar xzf world-atlas-2.0.2.tgz
    python3 cli/assets/report/tools/build_world.py package/land-110m.json \
        package/countries-110m.json > cli/assets/report/world.txt

Output: two lines, `land <path>` (closed polygons, filled) and `borders <path>`
(arcs shared by two countries, stroked). Coordinates are rounded to 0.1 degree and
repeated points dropped, which keeps the file small and is finer than the map's pixels.
"""
import json
import sys


def decode_arcs(topology):
    """Absolute lon/lat points of every arc (TopoJSON quantises and delta-encodes them)."""
    transform = topology.get("transform")
    arcs = []
    for arc in topology["arcs"]:
        points = []
        x = y = 0
        for dx, dy in arc:
            if transform:
                x += dx
                y += dy
                sx, sy = transform["scale"]
                tx, ty = transform["translate"]
                points.append((x * sx + tx, y * sy + ty))
            else:
                points.append((dx, dy))
        arcs.append(points)
    return arcs


def arc_points(arcs, index):
    # A negative index (~i) means arc i walked backwards.
    return list(reversed(arcs[~index])) if index < 0 else arcs[index]


def project(lon, lat):
    return (round(lon + 180.0, 1), round(90.0 - lat, 1))



def fmt(value):
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def polyline(points, close):
    out = []
    last = None
    for lon, lat in points:
        p = project(lon, lat)
        if p != last:
            out.append(p)
            last = p
    if len(out) < 2:
        return ""
    head = f"M{fmt(out[0][0])} {fmt(out[0][1])}"
    body = "".join(f"L{fmt(x)} {fmt(y)}" for x, y in out[1:])
    return head + body + ("Z" if close else "")


def unwrap(points):
    """Longitudes made continuous across the antimeridian (a ring of Russia or Fiji
    jumps from 180 to -180 otherwise, which draws a line across the whole map)."""
    out = []
    shift = 0.0
    for index, (lon, lat) in enumerate(points):
        if index:
            previous = points[index - 1][0]
            if lon - previous > 180:
                shift -= 360
            elif previous - lon > 180:
                shift += 360
        out.append((lon + shift, lat))
    return out


def ring_paths(points):
    """One or two closed paths for a land ring: as is when it stays inside the map;
    unwrapped and drawn twice (shifted by 360 degrees, the map clips the overflow)
    when it crosses the antimeridian; closed along the map's edge when it circles a
    pole (Antarctica)."""
    crosses = any(abs(b[0] - a[0]) > 180 for a, b in zip(points, points[1:]))
    if not crosses:
        return [polyline(points, True)]
    continuous = unwrap(points)
    span = continuous[-1][0] - continuous[0][0]
    if abs(span) > 300:
        edge = -90.0 if sum(lat for _, lat in continuous) < 0 else 90.0
        closed = continuous + [(continuous[-1][0], edge), (continuous[0][0], edge)]
        return [polyline(closed, True)]
    low = min(lon for lon, _ in continuous)
    other = 360 if low < -180 else -360
    return [polyline(continuous, True),
            polyline([(lon + other, lat) for lon, lat in continuous], True)]


def rings(geometry):
    kind = geometry["type"]
    if kind == "Polygon":
        return geometry["arcs"]
    if kind == "MultiPolygon":
        return [ring for polygon in geometry["arcs"] for ring in polygon]
    return []


def land_path(topology):
    arcs = decode_arcs(topology)
    parts = []
    for geometry in topology["objects"]["land"]["geometries"]:
        for ring in rings(geometry):
            points = []
            for index in ring:
                segment = arc_points(arcs, index)
                points.extend(segment if not points else segment[1:])
            parts.extend(ring_paths(points))
    return "".join(parts)


def border_path(topology):
    arcs = decode_arcs(topology)
    users = {}
    for number, geometry in enumerate(topology["objects"]["countries"]["geometries"]):
        for ring in rings(geometry):
            for index in ring:
                users.setdefault(index if index >= 0 else ~index, set()).add(number)
    shared = sorted(arc for arc, owners in users.items() if len(owners) > 1)
    return "".join(polyline(arcs[arc], False) for arc in shared)


def main():
    land = json.load(open(sys.argv[1]))
    countries = json.load(open(sys.argv[2]))
    print("land " + land_path(land))
    print("borders " + border_path(countries))


if __name__ == "__main__":
    main()
