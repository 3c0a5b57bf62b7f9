"""The chain-of-custody API: lots and their operations, provenance, tags, actors and red
flags (``chain``); export certificates and their verification (``certificates``); site
inspections and statuses (``inspections``); the rules of the checks: productivities, the sites
above their capacity, mass-balance tolerances (``checks``); the public aggregates
(``open_data``)."""

from casm.core.api_router import Router

router = Router(tags=["traceability"])


# Each endpoint module registers its operations on the router when imported.
# isort: off
from casm.traceability.api import certificates, chain, checks, inspections, open_data  # noqa: E402, F401
# isort: on
