"""The training blueprint with all its routes: course catalog and enrolment for owners;
courses, cohorts, attendance and completion for the province's trainers and staff; trainers'
own pages; owners' class alerts; the public certificate verification page.

Each section is a module of this package on the same blueprint (``blueprint.bp``); importing
them here registers their routes, in this order. Endpoints stay ``training.<function>``.
"""

# In the order the routes have always been registered (not alphabetical).
from portal.training import (  # noqa: F401, I001  (each registers its routes on the blueprint)
    catalog_views,
    cohort_views,
    enrolment_views,
    assignment_views,
    completion_views,
    certificate_views,
    trainer_views,
    alert_views,
)
from portal.training.blueprint import bp

__all__ = ["bp"]
