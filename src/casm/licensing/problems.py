"""The cadastre's messages, by code (see ``casm.core.messages``)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from casm.core import messages

messages.register(
    "licensing",
    {
        # Importing a layer
        "mapping_unreadable": _("The mapping %(file)s cannot be read: %(reason)s"),
        "mapping_key_unknown": _(
            "The mapping %(file)s has an unknown key “%(key)s” (known keys: %(allowed)s)."
        ),
        "mapping_code_missing": _("The mapping %(file)s must name the field of the code (“code”)."),
        "mapping_kind_unknown": _(
            "The mapping %(file)s gives the unknown kind “%(value)s” (one of: %(allowed)s)."
        ),
        "mapping_value_unknown": _(
            "The mapping %(file)s gives the unknown %(field)s “%(value)s” (one of: %(allowed)s)."
        ),
        "field_missing": _("The field “%(field)s” is not in the file."),
        "code_empty": _("The code is empty."),
        "date_bad": _("“%(value)s” is not a date (YYYY-MM-DD)."),
        "code_repeated": _(
            "Row %(row)s repeats the code %(code)s of row %(first)s: its shape was joined to that "
            "row's."
        ),
        "outside_country": _(
            "Row %(row)s (%(code)s): %(share)s of the shape lies outside %(country)s."
        ),
        "no_outline": _("No outline for %(country)s: the shapes were not checked against it."),
        "no_shapes": _("The file holds no shape."),
        "layer_summary": _(
            "%(file)s: %(created)s created, %(updated)s updated, %(unchanged)s unchanged."
        ),
        "layer_dry_run_summary": _(
            "Dry run of %(file)s, nothing written: %(created)s would be created, %(updated)s "
            "updated, %(unchanged)s unchanged."
        ),
        "layer_audit_title": _("Layer import of %(file)s"),
        # Screening an area
        "area_missing": _("Give the area: a GeoJSON shape or its corner coordinates."),
        "corners_few": _("An area needs at least three corners."),
        "corner_bad": _(
            "Line %(line)s: “%(value)s” is not a corner (latitude and longitude, in decimal "
            "degrees or degrees, minutes and seconds)."
        ),
        "corner_range": _(
            "Line %(line)s: latitude must lie between -90 and 90 and longitude between -180 "
            "and 180 (are they swapped, or in metres?)."
        ),
        "geojson_bad": _("The area is not GeoJSON: %(reason)s"),
        "kml_bad": _("The KML file holds no polygon that can be read."),
        "grid_unknown": _("The grid %(grid)s is unknown (give an EPSG code, e.g. EPSG:32735)."),
        "grid_corner_bad": _(
            "Line %(line)s: “%(value)s” is not a corner (easting and northing in metres)."
        ),
        "grid_range": _(
            "The corners do not fall on the Earth in the grid %(grid)s: are easting and northing "
            "swapped, or is it another grid?"
        ),
        "type_country": _("The licence type %(code)s is not one of %(country)s."),
        "outside": _("%(share)s of the area lies outside %(country)s."),
        "outside_unchecked": _("No outline for %(country)s: the area was not checked against it."),
        "too_small": _("The area is %(area)s ha; this licence needs at least %(limit)s ha."),
        "too_large": _("The area is %(area)s ha; this licence allows at most %(limit)s ha."),
        "title_overlap": _(
            "It overlaps title %(code)s (%(kind)s, %(holder)s) on %(area)s ha, %(share)s of "
            "the area."
        ),
        "title_other_commodity": _(
            "It overlaps title %(code)s on %(area)s ha, but for another commodity "
            "(%(commodities)s)."
        ),
        "zone_required_outside": _(
            "This licence is granted only inside an ASM zone, and %(share)s of the area lies "
            "outside every zone."
        ),
        "zone_required_inside": _("The area lies inside the ASM zone %(code)s."),
        "zone_forbidden": _(
            "This licence is never granted inside an ASM zone, and the area overlaps zone "
            "%(code)s on %(area)s ha."
        ),
        "zone_overlap": _("The area overlaps the ASM zone %(code)s on %(area)s ha."),
        "protected_overlap": _(
            "It overlaps the protected area %(name)s on %(area)s ha, %(share)s of the area."
        ),
        "restriction_overlap": _(
            "It overlaps the restriction zone %(name)s (%(rule)s: %(reason)s) on %(area)s ha."
        ),
        "sites_inside": ngettext_lazy(
            "%(count)s site of the registry lies inside the area: %(sites)s.",
            "%(count)s sites of the registry lie inside the area: %(sites)s.",
            "count",
        ),
        "no_layers": _(
            "No layer of the cadastre is loaded for %(country)s: nothing could be checked "
            "against titles, zones or protected areas."
        ),
        "clear": _("No title, zone, protected area or restriction was found over the area."),
        "earlier_application": _(
            "The application %(number)s, received earlier (%(received)s) and still pending, "
            "covers %(area)s ha of it (%(share)s of the area): first come, first served, it "
            "waits until that one is decided."
        ),
        # The register
        "application_audit_title": _("Application %(number)s received"),
    },
)
