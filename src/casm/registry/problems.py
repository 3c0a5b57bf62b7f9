"""The registry's rule messages, by code (see ``casm.core.messages``)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from casm.core import messages

messages.register(
    "registry",
    {
        "coordinate_missing": _("A location needs a %(field)s."),
        "not_a_number": _("“%(value)s” is not a number."),
        "coordinate_range": _("%(value)s is outside −%(limit)s to %(limit)s."),
        "location_swapped": _(
            "The point is outside the country; latitude and longitude look swapped."
        ),
        "no_outline": _("No outline for %(country)s: the location was not checked."),
        "area_contradicts": _(
            "The point lies in %(area)s (%(code)s), not in %(stated)s. Correct the name or the "
            "coordinates, or confirm the location and give the reason."
        ),
        "location_outside": _("The point (%(lat)s, %(lon)s) is outside the country's outline."),
        "date_future": _("%(date)s is in the future."),
        "date_too_old": _("%(date)s is too far in the past."),
        "date_missing": _("The visit has no date."),
        "count_negative": _("A count cannot be negative."),
        "groups_not_total": _(
            "Men, women, boys and girls add up to %(sum)s, not to the %(total)s workers given."
        ),
        "groups_over_total": _(
            "The groups given already add up to %(sum)s, more than the %(total)s workers."
        ),
        "not_allowed": _("“%(value)s” is not an allowed value."),
        "list_expected": _("A list of values is expected."),
        "unit_unknown": _("“%(unit)s” is not a unit the platform knows."),
        "carats": _("Carats are only for diamonds and gemstones."),
        "reason_needed": _("Say why the site was not reached."),
        "depth_negative": _("A depth cannot be negative."),
        "commodity_unknown": _("Unknown commodity: %(value)s"),
        "name_or_code": _("A site needs a name or a code."),
    },
)
