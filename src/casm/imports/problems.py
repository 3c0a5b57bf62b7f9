"""The imports' messages, by code (see ``casm.core.messages``): files, mappings, rows, runs."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from casm.core import messages

messages.register(
    "imports",
    {
        # Counts said with their plural form, used inside the sentences below.
        "n_rows": ngettext_lazy("%(count)s row", "%(count)s rows", "count"),
        "n_problems": ngettext_lazy("%(count)s problem", "%(count)s problems", "count"),
        "n_visits": ngettext_lazy("%(count)s visit", "%(count)s visits", "count"),
        "n_sites": ngettext_lazy("%(count)s new site", "%(count)s new sites", "count"),
        "n_sites_placed": ngettext_lazy(
            "%(count)s site placed in its area", "%(count)s sites placed in their areas", "count"
        ),
        # The same, with what happened to them: a language whose participle agrees with the
        # noun (French: "1 ligne importée", "2 lignes importées") says it in the plural form.
        "n_rows_imported": ngettext_lazy(
            "%(count)s row imported", "%(count)s rows imported", "count"
        ),
        "n_rows_skipped": ngettext_lazy("%(count)s row skipped", "%(count)s rows skipped", "count"),
        "n_visits_imported": ngettext_lazy(
            "%(count)s visit imported", "%(count)s visits imported", "count"
        ),
        "several": _("%(items)s"),
        # The run
        "dry_run_summary": _(
            "Dry run of %(file)s: %(rows)s, %(valid)s valid, %(problems)s; nothing was written."
        ),
        "not_imported": _("%(file)s: %(problems)s; nothing was imported."),
        # Kept for the results stored before their counts said what happened to them.
        "done_summary": _("%(file)s: %(rows)s imported, %(skipped)s skipped."),
        "done_counts": _("%(file)s: %(rows)s, %(skipped)s."),
        "census_summary": _(
            "%(file)s: %(visits)s imported, %(unchanged)s already there, %(sites)s "
            "(%(flagged)s possible duplicates), %(skipped)s skipped."
        ),
        "census_counts": _(
            "%(file)s: %(visits)s, %(unchanged)s already there, %(sites)s (%(flagged)s possible "
            "duplicates), %(skipped)s."
        ),
        "census_counts_updated": _(
            "%(file)s: %(visits)s, %(updated)s updated from the file, %(unchanged)s already "
            "there, %(sites)s (%(flagged)s possible duplicates), %(skipped)s."
        ),
        "census_summary_updated": _(
            "%(file)s: %(visits)s imported, %(updated)s updated from the file, %(unchanged)s "
            "already there, %(sites)s (%(flagged)s possible duplicates), %(skipped)s skipped."
        ),
        "sites_without_visits": _(
            "These sites no longer have any visit after the update (check them, merge or keep "
            "them): %(codes)s."
        ),
        "census_audit_title": _("Census import of %(file)s"),
        # Files
        "file_missing": _("%(file)s does not exist."),
        "file_empty": _("%(file)s is empty."),
        "file_kind_unknown": _(
            "%(file)s: unknown kind of file; give a .csv, .xlsx, .zip (ODK Central) or .geojson."
        ),
        "no_header": _("%(file)s has no header row."),
        "encoding": _(
            "%(file)s, after row %(row)s: the text is not %(encoding)s; save it as UTF-8."
        ),
        "csv_row_error": _("%(file)s, row %(row)s: %(error)s"),
        "zip_invalid": _("%(file)s is not a valid zip file."),
        "zip_no_csv": _("%(file)s holds no CSV file."),
        "zip_too_big": _(
            "%(file)s would expand to %(size)s MB, more than the %(limit)s MB allowed."
        ),
        "zip_bomb": _(
            "%(file)s: %(member)s would expand %(ratio)d times (over %(limit)d): refused as a "
            "possible zip bomb."
        ),
        "sheet_empty": _("%(file)s, sheet %(sheet)s is empty."),
        "formula_without_value": _(
            "%(file)s, sheet %(sheet)s, cell %(cell)s holds a formula without a saved result; "
            "open it in a spreadsheet and save it again, or paste the values."
        ),
        "xls_refused": _(
            "%(file)s: %(suffix)s files are refused; save it as .xlsx (without macros)."
        ),
        "xlsx_invalid": _("%(file)s is not a valid XLSX file."),
        "xlsx_macros": _("%(file)s contains macros; save it as .xlsx without macros."),
        "xlsx_unreadable": _("%(file)s cannot be read as XLSX: %(error)s"),
        "geojson_too_big": _(
            "%(file)s is too big for GeoJSON (%(size)s MB); export the points as CSV."
        ),
        "geojson_invalid": _("%(file)s is not valid GeoJSON: %(error)s"),
        "geojson_not_collection": _("%(file)s is not a GeoJSON FeatureCollection."),
        "geojson_not_feature": _("Not a GeoJSON feature."),
        "geometry_missing": _("The feature has no geometry."),
        "geometry_unreadable": _("The geometry cannot be read: %(error)s"),
        "geometry_empty": _("The geometry is empty."),
        "geometry_invalid": _("The geometry is not valid: %(reason)s"),
        "geometry_kind": _("A %(kind)s is neither a point nor a polygon."),
        "json_invalid": _("%(file)s is not valid JSON: %(error)s"),
        # Mappings
        "mapping_not_object": _("%(file)s: a mapping is a JSON object."),
        "mapping_invalid": _("%(file)s: %(problems)s."),
        "mapping_column_field": _("column “%(column)s” maps to “%(field)s”, which is not a field"),
        "mapping_defaults_field": _("defaults: “%(key)s” is not a field"),
        "mapping_values_field": _("values: “%(key)s” is not a field"),
        "mapping_separators_field": _("separators: “%(key)s” is not a field"),
        "mapping_not_table": _("“%(key)s” must be a JSON object"),
        "mapping_unknown_key": _(
            "“%(key)s” is not a part of a mapping (columns, values, separators, defaults, "
            "outside_country, date_order)"
        ),
        "mapping_outside_country": _("outside_country is “error” or “accept”"),
        "mapping_date_order": _("date_order is “dmy” or “mdy”"),
        # Columns and cells
        "columns_missing": _(
            "Required columns are missing: %(columns)s. Columns found: %(found)s."
        ),
        "place_columns": _("latitude and longitude (or a geopoint)"),
        "not_yes_no": _("“%(value)s” is not yes or no."),
        "not_whole_number": _("“%(value)s” is not a whole number."),
        "not_a_number": _("“%(value)s” is not a number."),
        "not_a_date": _("“%(value)s” is not a date (use 2024-03-31 or 31/03/2024)."),
        "not_a_location": _("“%(value)s” is not a location (latitude longitude)."),
        "country_missing": _("No country: give one in a country column or with --country."),
        "country_unknown": _("Unknown country “%(value)s”."),
        "country_out_of_scope": _("This country is outside your scope."),
        # Administrative areas
        "area_level": _("The level must be 1, 2 or 3 (not %(level)s)."),
        "area_field_missing": _("The file has no field “%(field)s”."),
        "area_field_empty": _("This field is empty."),
        "area_code_twice": _("The code %(code)s is used twice in the file."),
        "area_parent_unknown": _(
            "No area of level %(level)s has the code “%(code)s”: import it first."
        ),
        "area_no_shapes": _("The file holds no shapes."),
        "areas_dry_run_summary": _(
            "%(file)s can be imported as level %(level)s of %(country)s: %(created)s new, "
            "%(updated)s changed, %(unchanged)s unchanged; nothing was written."
        ),
        "areas_summary": _(
            "%(file)s: level %(level)s of %(country)s imported, %(created)s new, %(updated)s "
            "changed, %(unchanged)s unchanged; %(placed)s."
        ),
        "areas_audit_title": _("Administrative areas from %(file)s"),
        "submission_repeated": _("The submission %(id)s appears again (first in row %(row)s)."),
    },
)
