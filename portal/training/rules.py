"""Pure training rules, reachable by unit tests without a request or a database."""

from dataclasses import dataclass


@dataclass(frozen=True)
class CompletionRule:
    """A course's completion rule: attend at least ``min_attendance_pct`` percent of sessions,
    and pass the short check if the course has one."""

    min_attendance_pct: int
    requires_check: bool = False

    def is_met(
        self, sessions_total: int, sessions_attended: int, passed_check: bool | None
    ) -> bool:
        """Tell whether an enrolment with this attendance (and check result) has completed."""
        if sessions_total <= 0:
            return False
        if self.requires_check and not passed_check:
            return False
        # Integer arithmetic: 4 of 5 sessions is exactly 80 %, with no rounding surprise.
        return sessions_attended * 100 >= self.min_attendance_pct * sessions_total


def attendance_pct(sessions_total: int, sessions_attended: int) -> int:
    """Return the attended share in whole percent (rounded down); 0 when there are no sessions."""
    if sessions_total <= 0:
        return 0
    return sessions_attended * 100 // sessions_total
