"""warwire's four services (ingest, extract, alert, api) and the ``warwire`` command line."""
