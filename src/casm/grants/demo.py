"""Demo grants: the donors named in the shared facts paying into funds, and one generated
grants round with proposals, reviews (one conflict declared), a ranking, awards, payments,
reports and a closed grant, plus a call that is open for visitors to try.

Donor and fund names come from the facts; the amounts are illustrative. Everything goes through
the services, as the secretariat (no actor: the system) and as invented applicants and reviewers.
"""

from __future__ import annotations

import datetime
import random
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.utils import timezone

from casm.accounts.models import Organisation
from casm.accounts.selectors import users_holding
from casm.accounts.services import user_create
from casm.core.models import Country
from casm.grants import selectors, services
from casm.grants.models import Proposal

# (donor, fund, [(year, amount)]) — names from the facts, amounts illustrative.
CONTRIBUTIONS = [
    ("UK Department for International Development (DFID)", "CASM Multi-Donor Trust Fund",
     [(2001, "400000"), (2004, "350000"), (2008, "300000")]),
    ("World Bank Development Grant Facility", "CASM Multi-Donor Trust Fund",
     [(2002, "300000"), (2005, "300000"), (2009, "250000")]),
    ("Natural Resources Canada", "CASM Multi-Donor Trust Fund", [(2006, "150000")]),
    ("Austria trust fund", "CASM Multi-Donor Trust Fund", [(2007, "100000")]),
    ("Denmark trust fund", "CASM Multi-Donor Trust Fund", [(2007, "120000")]),
    ("Netherlands trust fund", "CASM Multi-Donor Trust Fund", [(2008, "150000")]),
    ("Switzerland trust fund", "CASM Multi-Donor Trust Fund", [(2009, "130000")]),
    ("UK Department for International Development (DFID)", "DFID Small Grants Window",
     [(2010, "200000")]),
]  # fmt: skip
FUND_CURRENCIES = {"CASM Multi-Donor Trust Fund": "USD", "DFID Small Grants Window": "GBP"}
ORGANISATION_OF = {
    "UK Department for International Development (DFID)": "DFID",
    "World Bank Development Grant Facility": "WB",
    "Natural Resources Canada": "NRCan",
}
COUNTRIES = ["GH", "TZ", "CD", "MZ", "MG", "SL", "EC", "MN"]
THEMES = ["mercury", "gender", "health_safety", "formalization", "livelihoods", "child_labour"]
PROJECTS = [
    "Mercury-free processing for {place} cooperatives",
    "Women's savings groups in {place}",
    "Safer pits and first aid in {place}",
    "Licensing clinics for miners in {place}",
    "Alternative livelihoods after mining in {place}",
    "Keeping children out of the pits in {place}",
]
CRITERIA = [
    ("Relevance to artisanal miners", "3", "5"),
    ("Feasibility and work plan", "2", "5"),
    ("Value for money", "2", "5"),
    ("Gender and inclusion", "1", "5"),
    ("Sustainability", "1", "5"),
    ("Partners and local ownership", "1", "5"),
]
PROPOSALS = 24


def _people(rng: random.Random) -> tuple[list[Any], list[Any]]:
    reviewers = list(users_holding("grants_reviewer").order_by("pk"))
    for number in range(len(reviewers), 4):
        reviewers.append(
            user_create(
                actor=None,
                username=f"reviewer{number + 1}",
                email=f"reviewer{number + 1}@example.org",
                role="grants_reviewer",
            )
        )
    applicants = [
        user_create(actor=None, username=f"applicant{n:02d}", email=f"applicant{n:02d}@example.org")
        for n in range(1, 9)
    ]
    return reviewers, applicants


def _funds() -> dict[str, Any]:
    funds = {
        name: services.fund_create(actor=None, name=name, currency=currency)
        for name, currency in FUND_CURRENCIES.items()
    }
    donors: dict[str, Any] = {}
    for donor_name, fund_name, payments in CONTRIBUTIONS:
        if donor_name not in donors:
            acronym = ORGANISATION_OF.get(donor_name)
            organisation = (
                Organisation.objects.filter(acronym=acronym, kind="donor").first()
                if acronym
                else None
            )
            donors[donor_name] = services.donor_create(
                actor=None, name=donor_name, organisation=organisation
            )
        fund = funds[fund_name]
        for year, amount in payments:
            services.contribution_create(
                actor=None, donor=donors[donor_name], fund=fund, amount=amount,
                currency=fund.currency, date=datetime.date(year, 6, 30),
            )  # fmt: skip
    return funds


def build(rng: random.Random, say: Callable[[str], None]) -> None:
    reviewers, applicants = _people(rng)
    funds = _funds()
    fund = funds["CASM Multi-Donor Trust Fund"]
    countries = {c.alpha2: c for c in Country.objects.filter(alpha2__in=COUNTRIES)}
    cooperatives = list(Organisation.objects.filter(kind="miners").order_by("pk")[:40])
    today = timezone.localdate()
    call = services.call_create(
        actor=None, fund=fund, title="Small Grants Round: safer, cleaner, fairer mining",
        description="Grants of up to 60,000 USD for projects led by or with artisanal miners.",
        opens_on=today - datetime.timedelta(days=90), closes_on=today + datetime.timedelta(days=1),
        budget="400000", max_award="60000",
        eligible_countries=list(countries.values()), eligible_themes=THEMES, reviewers=reviewers,
    )  # fmt: skip
    criteria = [
        services.criterion_create(actor=None, call=call, name=n, weight=w, max_score=m)
        for n, w, m in CRITERIA
    ]
    proposals = []
    for index in range(PROPOSALS):
        code = rng.choice(COUNTRIES)
        theme_index = rng.randrange(len(PROJECTS))
        amount = Decimal(rng.randrange(15, 70) * 1000)
        share = (amount * Decimal("0.6")).quantize(Decimal("1"))
        country = countries[code]
        candidates = [o for o in cooperatives if o.country_id == country.pk]
        proposal = services.proposal_create(
            actor=applicants[index % len(applicants)], call=call,
            title=PROJECTS[theme_index].format(place=country.name_en),
            summary="A project with the miners of " + country.name_en + ".",
            country=country, amount_requested=amount,
            organisation=rng.choice(candidates) if candidates else None,
            themes=[THEMES[theme_index]],
            work_plan="Months 1–3: groundwork. Months 4–9: delivery. Months 10–12: review.",
            budget_lines=[("Equipment and materials", share),
                          ("Training and outreach", amount - share)],
        )  # fmt: skip
        services.proposal_submit(actor=proposal.applicant, proposal=proposal)
        proposals.append(proposal)
    eligible = [p for p in proposals if p.status == Proposal.Status.ELIGIBLE]
    conflict_declared = False
    for proposal in eligible:
        for reviewer in rng.sample(reviewers, 3):
            assignment = services.review_assign(actor=None, proposal=proposal, reviewer=reviewer)
            if not conflict_declared:
                services.review_declare_conflict(
                    actor=reviewer, assignment=assignment, note="I advised this cooperative."
                )
                conflict_declared = True
                continue
            quality = rng.uniform(1.5, 5)
            for criterion in criteria:
                score = max(0, min(5, round(quality + rng.uniform(-1, 1))))
                services.score_record(
                    actor=reviewer, assignment=assignment, criterion=criterion, score=score
                )
    # The round closes; the secretariat follows the ranking's budget line.
    services.call_update(
        actor=None, call=call, closes_on=today - datetime.timedelta(days=1), status="closed"
    )
    ranking = selectors.call_ranking(call)
    by_id = {p.pk: p for p in eligible}
    awards = []
    for row in ranking.rows:
        proposal = by_id[row.proposal_id]
        if row.within_budget:
            half = (proposal.amount_requested / 2).quantize(Decimal("0.01"))
            awards.append(
                services.proposal_award(
                    actor=None,
                    proposal=proposal,
                    amount=proposal.amount_requested,
                    reasons=f"Ranked {row.rank} with {row.score}; within the budget.",
                    conditions="A progress report after six months and a final report.",
                    awarded_on=today - datetime.timedelta(days=1),
                    tranches=[
                        (today, half),
                        (today + datetime.timedelta(days=180), proposal.amount_requested - half),
                    ],
                )  # fmt: skip
            )
        else:
            services.proposal_decline(
                actor=None, proposal=proposal, reasons=f"Ranked {row.rank}: below the budget line."
            )
    for number, award in enumerate(awards):
        first, second = award.tranches.all()
        services.disbursement_record(
            actor=None, award=award, amount=first.amount, paid_on=today, tranche=first
        )
        applicant = award.proposal.applicant
        services.report_submit(
            actor=applicant, award=award, kind="progress", narrative="Work is under way.",
            women=rng.randrange(10, 80), men=rng.randrange(10, 120),
        )  # fmt: skip
        if number == 0:  # one grant runs its whole course
            services.disbursement_record(
                actor=None, award=award, amount=second.amount, paid_on=today, tranche=second
            )
            services.report_submit(
                actor=applicant, award=award, kind="final", narrative="All activities done.",
                women=120, men=150, girls=0, boys=0, indicators={"retorts_in_use": 35},
            )  # fmt: skip
            services.award_close(actor=None, award=award)
    services.call_create(
        actor=None, fund=funds["DFID Small Grants Window"],
        title="Mercury-free gold: small grants", opens_on=today,
        closes_on=today + datetime.timedelta(days=60), budget="100000", max_award="25000",
        eligible_themes=["mercury", "health_safety"],
    )  # fmt: skip
    say(
        f"  grants: {len(proposals)} proposals, {len(eligible)} eligible, {len(awards)} awarded;"
        f" balance of {fund.name}: {services.fund_balance(fund)} {fund.currency}"
    )
