"""The demo content as files HR can read and edit (see README.md here), and
their reader for ``manage.py load_demo``."""
