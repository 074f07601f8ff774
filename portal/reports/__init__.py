"""Province reporting: digital-business status, targets, dashboards and exports."""
