"""The library's API: search with facets, documents and their files, the review workflow,
collections, and the harvesting endpoints (OAI-PMH and a DCAT catalogue).

Reads are open to anyone for published documents; a signed-in member (token or session) also
sees their own drafts, and editors see everything. Anything else is 404. Writes go through the
services: no right to do it is 403. Countries are ISO alpha-2 codes; commodities, types,
themes, pillars and languages are codes.
"""

from casm.core.api_router import Router

router = Router(tags=["library"])


# Each endpoint module registers its operations on the router when imported: in the order
# of the OpenAPI document.
# isort: off
from casm.library.api import search  # noqa: E402, F401
from casm.library.api import documents  # noqa: E402, F401
from casm.library.api import collections  # noqa: E402, F401
from casm.library.api import harvesting  # noqa: E402, F401
# isort: on
