"""Development tools, not the product: demo data, synthetic data at scale, the page benchmark and
the SQL statement counter the tests and the benchmark use.

Nothing in the portal's features imports from here; the commands are registered by
``portal.devtools.cli`` and refuse to write into a database unless ``PORTAL_ENV=development``
(or the app is under test).
"""
