"""The licensing API: licence types, the cadastre's layers and the public pre-check
(``cadastre``), and the register of applications and licences (``register``)."""

from casm.core.api_router import Router

router = Router(tags=["licensing"])


# Each endpoint module registers its operations on the router when imported: in the order
# of the OpenAPI document.
# isort: off
from casm.licensing.api import cadastre  # noqa: E402, F401
from casm.licensing.api import register  # noqa: E402, F401
# isort: on
