"""warwire's seven services (ingest, extract, merge, detect, alert, deliver, api) and the ``warwire`` command line."""
