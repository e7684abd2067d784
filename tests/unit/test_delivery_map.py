"""The alert page's map is drawn on the server: small, self-contained, herd positions only
as coarse cells, and a basemap only when a deployment asks for one."""

from __future__ import annotations

from lxml import etree
from shapely.geometry import LineString, MultiPoint, Point, box

from alerts.delivery.mapimage import HERD_CELL_DEG, MapLayers, generalise_points, render_svg, route_of

CORRIDOR = LineString([(-2.85, 15.02), (-2.4, 15.12), (-1.95, 15.25), (-1.52, 15.33), (-1.2, 15.5)])
HERDS = MultiPoint([(-1.512345, 15.401234), (-1.498765, 15.412345), (-0.91, 15.05)])


def parse(svg) -> etree._Element:
    return etree.fromstring(str(svg).encode())


def test_map_draws_corridor_point_and_area_in_a_few_kilobytes_and_calls_no_one():
    svg = render_svg(MapLayers(corridor=CORRIDOR, flow_point=Point(-1.52, 15.33), label="Boni",
                               context=box(-3.2, 14.6, -1.1, 15.8)), title="Boni")
    root = parse(svg)
    classes = [el.get("class") for el in root.iter()]
    assert {"corridor", "flow-point", "area", "scale"} <= set(classes)
    assert len(str(svg)) < 8_000
    assert "href" not in str(svg) and "http" not in str(svg).replace("http://www.w3.org/2000/svg", "")
    assert root.findtext("{*}text") == "Boni"
    corridor = root.find("{*}path[@class='corridor']").get("d")
    xs = [float(p.split(",")[0].lstrip("ML ")) for p in corridor.split() if "," in p]
    assert max(xs) - min(xs) > 200  # the corridor spans the picture


def test_herd_positions_become_coarse_cells_never_points():
    area = generalise_points(HERDS)
    assert area.geom_type in ("Polygon", "MultiPolygon") and len(getattr(area, "geoms", [area])) == 2
    minx, miny, maxx, maxy = area.bounds
    for value in (minx, miny, maxx, maxy):
        assert abs(value / HERD_CELL_DEG - round(value / HERD_CELL_DEG)) < 1e-9  # on the grid
    text = str(render_svg(MapLayers(corridor=CORRIDOR, herd_area=area)))
    assert "1.512" not in text and "15.401" not in text
    assert generalise_points(CORRIDOR) is None


def test_basemap_tiles_only_when_configured():
    layers = MapLayers(corridor=CORRIDOR, flow_point=Point(-1.52, 15.33))
    assert "<image" not in str(render_svg(layers))
    root = parse(render_svg(layers, basemap_url="https://tiles.example.org/{z}/{x}/{y}.png",
                            attribution="© example"))
    tiles = root.findall("{*}image")
    assert 1 <= len(tiles) <= 12
    zoom = {t.get("href").split("/")[3] for t in tiles}
    assert len(zoom) == 1 and 5 <= int(zoom.pop()) <= 10
    assert root.findall("{*}text")[-1].text == "© example"


def test_nothing_to_place_draws_nothing():
    assert str(render_svg(MapLayers())) == ""


def test_the_open_way_round_is_a_dashed_line_of_its_own_in_the_picture():
    fire = box(-2.5, 14.95, -2.2, 15.25)
    way = {"rerouting": {"alternatives": [{"corridors": ["C2", "C3"], "geometry": {
        "type": "LineString", "coordinates": [[-2.85, 15.02], [-2.6, 15.6], [-1.6, 15.7], [-1.2, 15.5]]}}]}}
    route = route_of(way)
    root = parse(render_svg(MapLayers(corridor=CORRIDOR, hazard=fire, route=route)))
    drawn = root.findall("{*}path[@class='route']")
    assert drawn and any(p.get("stroke-dasharray") for p in drawn)
    corridor = root.find("{*}path[@class='corridor']")
    assert corridor.get("stroke-dasharray") is None and corridor.get("stroke") != drawn[-1].get("stroke")
    # the picture is framed to show the whole way round (it goes further north than the corridor)
    ys = [float(p.split(",")[1]) for p in drawn[-1].get("d").replace("M", "").replace("L", "").split()]
    assert min(ys) > 0 and max(ys) < 240


def test_no_route_drawn_without_an_open_alternative():
    assert route_of(None) is None and route_of({}) is None
    assert route_of({"rerouting": {"alternatives": [], "text": {"fr": "Aucun itinéraire"}}}) is None
    assert route_of({"rerouting": {"alternatives": [{"geometry": {"type": "Point", "coordinates": [0, 0]}}]}}) is None
    assert route_of({"rerouting": {"alternatives": [{"geometry": {"type": "LineString"}}]}}) is None
    assert "route" not in str(render_svg(MapLayers(corridor=CORRIDOR)))
