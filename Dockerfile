# Yorisoi web / worker / beat image. The same bin/ entrypoints run in CI's smoke test.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PYTHON=python
WORKDIR /app
# Pango (and HarfBuzz's subsetter) for WeasyPrint, which renders the printed case file as a PDF;
# Noto Sans CJK JP so its Japanese has a font.
RUN apt-get update && apt-get install -y --no-install-recommends postgresql-client \
    libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-noto-cjk \
 && rm -rf /var/lib/apt/lists/*
COPY requirements/lock.txt requirements/lock.txt
RUN pip install -r requirements/lock.txt
COPY . .
# Build-time placeholders only: collectstatic needs settings to import; real keys come from .env.
RUN python -m config.compilemessages \
 && SECRET_KEY=build FIELD_ENCRYPTION_KEYS=build:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA= BLIND_INDEX_KEY=build \
    python manage.py collectstatic --noinput \
 && useradd --system --uid 10001 --home /app yorisoi \
 && chown -R yorisoi /app/staticfiles
USER yorisoi
EXPOSE 8000
CMD ["bin/web"]
