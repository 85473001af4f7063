"""Gunicorn settings read from the working directory by every `gunicorn` started here (Procfile, Dockerfile,
tests, benchmarks). Access log lines leave out the query string, the Referer and the user agent: links in
e-mails carry signed tokens in their query (feedback answers, unsubscribing), which must never reach a log."""

access_log_format = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(M)sms'
