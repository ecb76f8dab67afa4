"""Gunicorn settings used by the Docker image."""
import multiprocessing
import os

bind = "0.0.0.0:8080"

# One worker per core plus one, capped so small containers stay sane.
workers = min(multiprocessing.cpu_count() + 1, 9)
worker_class = "uvicorn.workers.UvicornWorker"

# Seconds a worker may be silent before it is killed and restarted.
timeout = 60
graceful_timeout = 20
keepalive = 5

# Recycle workers now and then to keep memory in check.
max_requests = 2000
max_requests_jitter = 200

accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
