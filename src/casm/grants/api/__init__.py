"""The grants API: calls, proposals, review, ranking, awards, payments, reports and fund
balances.

Open calls and awarded grants are public (title, organisation, country, amount: never budget
lines or reviewers). A member sees their own proposals, a reviewer those given to them, the
secretariat everything; anything else is 404. Money travels as strings ("12000.00") with a
currency code, never as a float.
"""

from casm.core.api_router import Router

router = Router(tags=["grants"])


# Each endpoint module registers its operations on the router when imported: in the order
# of the OpenAPI document.
# isort: off
from casm.grants.api import calls  # noqa: E402, F401
from casm.grants.api import funds  # noqa: E402, F401
from casm.grants.api import proposals  # noqa: E402, F401
from casm.grants.api import reviews  # noqa: E402, F401
from casm.grants.api import awards  # noqa: E402, F401
# isort: on
