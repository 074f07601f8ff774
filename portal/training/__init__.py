"""Training: course catalog, cohorts, enrolment and waitlist, attendance, certificates."""
