"""Ranking: a grants round of 5,000 proposals, each scored by 5 reviewers on 6 criteria.

The 150,000 scores are written in bulk into a fresh database (SQLite in a temporary folder,
then PostgreSQL when it can be had); one reviewer in ten has declared a conflict (their scores
do not count). The measured work is the app's own selector, ``casm.grants.selectors.
call_ranking``: the weighted score of every proposal (mean over reviewers of Σ weight × score),
the order, and the budget line (the best proposals that fit the budget, in rank order).
Target: under 1 s.

The peer, in the same run, is a COUNT of the call's scores: the floor of reading them at all.
The line also gives ``python_sort_s``, a plain Python sort of the 5,000 precomputed totals.
Sizes: CASM_BENCH_RANKING_PROPOSALS (5000), CASM_BENCH_RANKING_REVIEWERS (5),
CASM_BENCH_RANKING_CRITERIA (6).
"""

from __future__ import annotations

import json
import os
import random
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from harness import (
    Result,
    bench_size,
    benchmark,
    own_peak_memory_mb,
    run_worker,
    time_runs,
    worker_on_each_database,
)

RUNS = 7
TARGET_S = 1.0
WORKER_TIMEOUT_S = 900


def _size(name: str, default: int) -> int:
    return bench_size("RANKING", name, default)


def sizes() -> dict[str, int]:
    return {
        "proposals": _size("PROPOSALS", 5000),
        "reviewers": _size("REVIEWERS", 5),
        "criteria": _size("CRITERIA", 6),
    }


def _populate(size: dict[str, int]):
    """A fund, a call with its criteria, reviewers, proposals, assignments and scores."""
    import datetime
    from decimal import Decimal

    from django.db import transaction
    from django.utils import timezone

    from casm.accounts.models import RoleAssignment, User
    from casm.core.models import Country
    from casm.grants.models import (
        Call,
        Criterion,
        Fund,
        Proposal,
        ReviewAssignment,
        Score,
    )

    rng = random.Random(2026)
    now = timezone.now()
    today = datetime.date(2026, 1, 1)
    with transaction.atomic():
        fund = Fund.objects.create(name="Bench fund", currency="USD")
        count = size["proposals"]
        call = Call.objects.create(
            fund=fund, title="Bench round", opens_on=today, closes_on=today,
            budget=Decimal(count * 40000 // 5), max_award=Decimal(60000), currency="USD",
            status="closed",
        )  # fmt: skip
        criteria = Criterion.objects.bulk_create(
            Criterion(call=call, name=f"Criterion {n}", weight=Decimal(1 + n % 3), max_score=10)
            for n in range(size["criteria"])
        )
        reviewers = User.objects.bulk_create(
            User(username=f"reviewer{n}") for n in range(size["reviewers"])
        )
        RoleAssignment.objects.bulk_create(
            RoleAssignment(user=reviewer, role="grants_reviewer") for reviewer in reviewers
        )
        applicant = User.objects.create(username="applicant")
        countries = list(Country.objects.values_list("pk", flat=True)[:40])
        proposals = Proposal.objects.bulk_create(
            (
                Proposal(
                    call=call,
                    applicant=applicant,
                    title=f"Proposal {n}",
                    summary="…",
                    country_id=countries[n % len(countries)],
                    amount_requested=Decimal(rng.randrange(10, 61) * 1000),
                    currency="USD",
                    status="under_review",
                    submitted_at=now,
                )  # fmt: skip
                for n in range(count)
            ),
            batch_size=2000,
        )
        assignments = ReviewAssignment.objects.bulk_create(
            (
                ReviewAssignment(
                    proposal=proposal, reviewer=reviewer, conflict_declared=rng.random() < 0.1
                )
                for proposal in proposals
                for reviewer in reviewers
            ),
            batch_size=5000,
        )
        Score.objects.bulk_create(
            (
                Score(assignment=assignment, criterion=criterion, score=rng.randint(0, 10))
                for assignment in assignments
                for criterion in criteria
            ),
            batch_size=10000,
        )
    return call


def worker_main() -> None:
    """Run in the child: migrate, populate, measure, print one JSON object."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casm.settings")
    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from casm.grants.models import Score
    from casm.grants.selectors import call_ranking

    size = sizes()
    call_command("migrate", verbosity=0, interactive=False)
    started = time.perf_counter()
    call = _populate(size)
    populate_s = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    scores = Score.objects.filter(assignment__proposal__call=call)
    peer = time_runs(lambda: scores.count(), RUNS)
    ranking = call_ranking(call)
    timings = time_runs(lambda: call_ranking(call), RUNS)
    totals = [(row.score, row.proposal_id) for row in ranking.rows]
    rng = random.Random(1)
    rng.shuffle(totals)
    python_sort = time_runs(lambda: sorted(totals, key=lambda t: (-t[0], t[1])), RUNS)
    print(
        json.dumps(
            {
                "vendor": connection.vendor,
                "populate_s": populate_s,
                "scores": scores.count(),
                "peer": peer,
                "timings": timings,
                "python_sort_s": sorted(python_sort)[len(python_sort) // 2],
                "ranked": len(ranking.rows),
                "proposed": len(ranking.proposed),
                "budget_used": str(ranking.proposed_total),
                "budget": str(ranking.budget),
                "peak_memory_mb": own_peak_memory_mb(),
            }
        )
    )


def _run_worker(command_prefix: list[str], environment: dict[str, str], cwd: Path) -> dict:
    command = [*command_prefix, sys.executable, str(Path(__file__).resolve()), "--worker"]
    return run_worker(command, environment, cwd, what="ranking", timeout=WORKER_TIMEOUT_S)


def _results(figures: dict, size: dict[str, int]) -> Iterator[Result]:
    vendor = figures["vendor"]
    label = (
        f"{size['proposals']} proposals × {size['reviewers']} reviewers × "
        f"{size['criteria']} criteria ({figures['scores']} scores)"
    )
    memory_of = "benchmark worker process (data generation included)"
    peer = Result(
        name=f"ranking.{vendor}.count_scores",
        size=label,
        timings=figures["peer"],
        peak_memory_mb=figures["peak_memory_mb"],
        memory_of=memory_of,
    )
    yield peer
    result = Result(
        name=f"ranking.{vendor}.call_ranking",
        size=label,
        timings=figures["timings"],
        peak_memory_mb=figures["peak_memory_mb"],
        memory_of=memory_of,
        peer=peer,
        target="median < 1 s",
        extra={
            "ranked": figures["ranked"],
            "proposed_for_award": figures["proposed"],
            "budget_used": figures["budget_used"],
            "budget": figures["budget"],
            "python_sort_s": round(figures["python_sort_s"], 6),
            "populate_s": round(figures["populate_s"], 1),
        },
    )
    result.meets_target = result.median_s is not None and result.median_s < TARGET_S
    yield result


@benchmark("ranking")
def ranking_with_budget_line() -> Iterator[Result]:
    """The ranking of a 5,000-proposal round with its budget line, on SQLite and PostgreSQL."""
    size = sizes()
    sqlite_only = os.environ.get("CASM_BENCH_RANKING_DATABASES", "") == "sqlite"
    for figures in worker_on_each_database("ranking", _run_worker, sqlite_only=sqlite_only):
        yield from _results(figures, size)


if __name__ == "__main__" and "--worker" in sys.argv:
    worker_main()
