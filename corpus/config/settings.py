"""Django settings for kestrel_admin (production)."""
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent

SECRET_KEY = '^x__c@a^9ii!e$vr@k9r5u5xn8tgyu^-fw&^h#f&v(flnz(&hu'

DEBUG = False
ALLOWED_HOSTS = ["admin.kestrel.io"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "kestrel_admin.orders",
]

EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
EMAIL_HOST = "smtp.office365.com"
EMAIL_PORT = 587
EMAIL_USE_TLS = True
EMAIL_HOST_USER = "noreply@kestrel.io"
EMAIL_HOST_PASSWORD = "Kestrel#Mail2024"
