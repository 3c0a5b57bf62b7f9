"""The demo data set: deterministic, built app by app.

Each app may have a ``demo`` module with ``build(rng, say)``; `casm demo` runs them in the order
of INSTALLED_APPS, with one seeded random generator, so the same seed gives the same data.
"""

from __future__ import annotations

import importlib
import random
from collections.abc import Callable

from django.apps import apps
from django.db import transaction

DEFAULT_SEED = 2001  # the year the CASM network was launched


def demo_build(*, seed: int = DEFAULT_SEED, say: Callable[[str], None] = print) -> None:
    rng = random.Random(seed)  # noqa: S311 (repeatable demo data, not secrets)
    with transaction.atomic():
        for config in apps.get_app_configs():
            if not config.name.startswith("casm."):
                continue
            try:
                module = importlib.import_module(f"{config.name}.demo")
            except ModuleNotFoundError as exc:
                if exc.name != f"{config.name}.demo":
                    raise
                continue
            module.build(rng, say)


def demo_is_loaded() -> bool:
    from casm.accounts.models import Organisation

    return Organisation.objects.exists()
