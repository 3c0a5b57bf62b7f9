"""The core's messages by code (see ``casm.core.messages``): the geometry layer's problems and
the shared import messages."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from casm.core import messages

messages.register(
    "geometry",
    {
        "no_geometry": _("The row has no geometry."),
        "unreadable": _("The geometry cannot be read: its coordinates are malformed."),
        "unprojectable": _("The coordinates cannot be converted to longitude and latitude."),
        "unclosed_ring": _("A ring of the polygon is not closed: its last point is not its first."),
        "empty": _("The geometry is empty."),
        "not_polygon": _("A polygon is needed here, not a %(kind)s."),
        "too_many_vertices": _(
            "The shape has %(count)s vertices; at most %(limit)s are accepted. Simplify it first."
        ),
        "out_of_range": _(
            "The coordinates %(bounds)s are not longitudes and latitudes: is the projection "
            "(the .prj file) missing?"
        ),
        "self_intersection": _(
            "The outline crosses itself near longitude %(longitude)s, latitude %(latitude)s."
        ),
        "bad_hole": _("A hole of the polygon lies outside it or touches its edge."),
        "invalid": _("The polygon is not valid."),
        "degenerate": _("The polygon has no area: its points lie on a line or on one spot."),
        "too_large_area": _(
            "The shape covers %(hectares)s ha, more than the %(limit)s ha allowed."
        ),
        "unknown_crs": _("The projection “%(crs)s” is unknown."),
        "missing_sidecar": _("%(file)s is missing: a Shapefile needs its .shp, .dbf and .shx."),
        "not_a_zip": _("%(file)s is not a readable zip file."),
        "zip_shapefiles": _(
            "A zip file must hold exactly one Shapefile; %(file)s holds %(count)s."
        ),
        "too_large": _("%(file)s is too large to read."),
        "broken_shapefile": _("The Shapefile is damaged and cannot be read."),
        "not_geojson": _(
            "%(file)s is not GeoJSON: it needs a FeatureCollection, a Feature or a geometry."
        ),
        "footprint_far": _(
            "The footprint lies %(km)s km from the site's point: is it the footprint of "
            "another site?"
        ),
        "footprint_unreadable": _(
            "The footprint is not GeoJSON: give a Polygon or MultiPolygon geometry."
        ),
    },
)

messages.register(
    "core",
    {
        "country_unknown": _(
            "Unknown country “%(value)s”: give its ISO code (e.g. CD or COD) or its name in"
            " English, French, Spanish or Portuguese."
        ),
        "year_future": _("The year %(value)s is after this year (%(year)s)."),
        "date_future": _("The date %(value)s is after today."),
    },
)
