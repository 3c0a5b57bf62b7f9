"""What a census import says it did."""

from __future__ import annotations

from dataclasses import dataclass

from casm.core.messages import Message

from .. import pipeline


@dataclass
class ImportResult(pipeline.ImportResult):
    """A census run: the pipeline's counts, and the visits and sites it made."""

    visits_created: int = 0
    visits_unchanged: int = 0
    visits_updated: int = 0
    sites_created: int = 0
    sites_matched: int = 0
    sites_flagged: int = 0

    def done_summary(self) -> Message:
        if self.visits_updated:
            return Message(
                "imports.census_counts_updated",
                file=self.file,
                visits=pipeline.count("visits_imported", self.visits_created),
                updated=self.visits_updated,
                unchanged=self.visits_unchanged,
                sites=pipeline.count("sites", self.sites_created),
                flagged=self.sites_flagged,
                skipped=pipeline.count("rows_skipped", self.invalid_rows),
            )
        return Message(
            "imports.census_counts",
            file=self.file,
            visits=pipeline.count("visits_imported", self.visits_created),
            unchanged=self.visits_unchanged,
            sites=pipeline.count("sites", self.sites_created),
            flagged=self.sites_flagged,
            skipped=pipeline.count("rows_skipped", self.invalid_rows),
        )

    def rolled_back(self) -> None:
        self.visits_created = self.sites_created = self.sites_flagged = 0
        self.visits_updated = 0
