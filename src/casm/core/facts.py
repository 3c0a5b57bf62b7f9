"""Figures about the sector shown on the home and pillar pages, each with its source."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

IGF_BRIEF = _("IGF brief on ASM (2017), citing Delve and World Bank estimates")
IGF_FACTS = _("IGF, Global trends in artisanal and small-scale mining (2018)")
CASM_ILO = _("ILO, cited by CASM")
MINAMATA = _("Minamata Convention, 2011 estimate")

HEADLINE_FIGURES = [
    {"value": "40.5 M", "label": _("people work directly in ASM (2017)"), "source": IGF_BRIEF},
    {"value": "150 M", "label": _("people depend on ASM, in 80+ countries"), "source": IGF_FACTS},
    {"value": "~20%", "label": _("of the world's gold comes from ASM"), "source": IGF_BRIEF},
    {"value": "~1,400 t", "label": _("of mercury released by ASM each year"), "source": MINAMATA},
]

PILLAR_FIGURES = {
    "governance": [
        {
            "value": "70–80%",
            "label": _("of small-scale miners work informally"),
            "source": IGF_BRIEF,
        },
        {
            "value": "26% / 25%",
            "label": _("of world tantalum / tin supply from ASM"),
            "source": IGF_BRIEF,
        },
    ],
    "environment": [
        {
            "value": "~1,400 t",
            "label": _("of mercury released by ASM each year"),
            "source": MINAMATA,
        },
        {"value": "~50%", "label": _("of the ASM workforce are women"), "source": IGF_FACTS},
        {"value": "1–1.5 M", "label": _("children work in ASM"), "source": CASM_ILO},
    ],
    "network": [
        {
            "value": "13 → 32",
            "label": _("global partnerships of the CASM network"),
            "source": "CASM",
        },
        {"value": "47", "label": _("countries at the annual conference by 2008"), "source": "CASM"},
        {"value": "×5", "label": _("conference attendance, 2001 to 2010"), "source": "CASM"},
    ],
    "knowledge": [
        {"value": "120,000+", "label": _("website sessions a year by 2008"), "source": "CASM"},
        {"value": "35+", "label": _("organisations ran projects with CASM"), "source": "CASM"},
    ],
}

PILLAR_TEXT = {
    "governance": _(
        "Where artisanal and small-scale mining happens, who works there, under which licence, "
        "and how the sector becomes formal: the data a mining ministry keeps."
    ),
    "environment": _(
        "Mercury, health and safety, the environment, and the livelihoods of the people "
        "who mine and their families."
    ),
    "network": _(
        "The organisations, partnerships, annual conference and small grants that connect "
        "the people working on artisanal and small-scale mining."
    ),
    "knowledge": _(
        "Guidance notes, toolkits, training material, research and conference proceedings, "
        "searchable in their language."
    ),
}
