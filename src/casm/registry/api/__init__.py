"""The registry's API: sites (also as GeoJSON and exports), visits, operators, miners, production.

Reads go through the selectors (outside scope: 404), writes through the services (no right to
edit: 403). Commodities are given and returned as codes, countries as ISO alpha-2 codes.
``/public/…`` answers anyone and returns only the public fields of sites.
"""

from casm.core.api_router import Router

router = Router(tags=["registry"])


# Each endpoint module registers its operations on the router when imported: in the order
# of the OpenAPI document. Within a module the order matters too: a path such as
# /sites/export comes before /sites/{site_id}, which would otherwise take "export" for an id.
# isort: off
from casm.registry.api import sites  # noqa: E402, F401
from casm.registry.api import public  # noqa: E402, F401
from casm.registry.api import visits  # noqa: E402, F401
from casm.registry.api import operators  # noqa: E402, F401
from casm.registry.api import miners  # noqa: E402, F401
from casm.registry.api import production  # noqa: E402, F401
# isort: on
