"""warwire's five services (ingest, extract, alert, deliver, api) and the ``warwire`` command line."""
