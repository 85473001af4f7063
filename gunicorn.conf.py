"""Gunicorn settings read from the working directory by every `gunicorn` started here (Procfile, Dockerfile,
tests, benchmarks). Access log lines leave out the query string, the Referer and the user agent: links in
e-mails carry signed tokens in their query (feedback answers, unsubscribing, the staff password reset), which must
never reach a log."""

# %(h)s is the connecting address: behind a reverse proxy, the proxy's. The application takes the client's
# address from X-Forwarded-For only as far as PROXY_FIX_X_FOR trusts it (rate limits, the sign-in throttle).
access_log_format = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(M)sms'
