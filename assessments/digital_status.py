"""Whether a business counts as a *digital business* under a province's definition.

Pure rule, no Flask: the portal gathers the verified facts, this module decides.
"""

from dataclasses import dataclass

#: The national default: latest level 3 (Hình thành), one completed course.
DEFAULT_MIN_LEVEL = 3
DEFAULT_MIN_COURSES = 1


@dataclass(frozen=True)
class Definition:
    """A province's thresholds; a verified sales channel or digital payment is always needed."""

    min_level: int = DEFAULT_MIN_LEVEL
    min_courses: int = DEFAULT_MIN_COURSES

    def __post_init__(self) -> None:
        if not 0 <= self.min_level <= 5:
            raise ValueError(f"min_level must be 0..5, not {self.min_level}")
        if self.min_courses < 0:
            raise ValueError(f"min_courses must not be negative, not {self.min_courses}")


@dataclass(frozen=True)
class Facts:
    """What is verified about one business."""

    #: Level of the latest submitted assessment; None if it never submitted one.
    latest_level: int | None
    completed_courses: int
    verified_sales_channel: bool
    verified_digital_payment: bool


def is_digital(facts: Facts, definition: Definition = Definition()) -> bool:
    """Tell whether the facts meet the definition."""
    return (
        facts.latest_level is not None
        and facts.latest_level >= definition.min_level
        and facts.completed_courses >= definition.min_courses
        and (facts.verified_sales_channel or facts.verified_digital_payment)
    )
