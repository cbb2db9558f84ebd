"""Private servers for the distributed profile (PostgreSQL, Redis, Celery workers).

Each is a context manager that starts its process(es) on a free port in a temporary folder and
stops every one of them on exit — also when the caller is interrupted (``stop_on_signals``).
Only the binaries come from the system (``tools/install_services.sh``); no system service is used.
"""
