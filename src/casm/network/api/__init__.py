"""The network's API: the directory of organisations, people, experts, regional networks,
partnerships and projects.

Reads are open to anyone for what the public directory shows (listed organisations, public
profiles); people's contact details are returned only to the secretariat, who also sees
everyone and is the only one to write. Countries are ISO alpha-2 codes, themes and languages
codes, organisations ids; money is a decimal string with its ISO 4217 currency.
"""

from casm.core.api_router import Router

router = Router(tags=["network"])


# Each endpoint module registers its operations on the router when imported: in the order
# of the OpenAPI document.
# isort: off
from casm.network.api import organisations  # noqa: E402, F401
from casm.network.api import people  # noqa: E402, F401
from casm.network.api import regional_networks  # noqa: E402, F401
from casm.network.api import partnerships  # noqa: E402, F401
from casm.network.api import projects  # noqa: E402, F401
# isort: on
