"""docker-compose.yml is a valid Compose file once .env is made from .env.example.

Docker cannot run here, but the Compose tools can still parse, interpolate and validate the file:
* `docker-compose config` (the Compose v1 Python tool, Debian's docker-compose package, installed by
  .ci/run) resolves .env, the x-app anchor and every ${VAR:?} and validates against its schema;
* the Compose Specification JSON schema shipped with check-jsonschema (a dev dependency) validates the
  raw file in every environment.
"""

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def compose_dir(tmp_path):
    shutil.copy(ROOT / "docker-compose.yml", tmp_path / "docker-compose.yml")
    shutil.copy(ROOT / ".env.example", tmp_path / ".env")
    return tmp_path


SKIP_REASON = "docker-compose (Compose v1: Debian package docker-compose) is missing; .ci/run installs it"
APP_VARIABLES = ("DATABASE_URL", "REDIS_URL", "FIELD_ENCRYPTION_KEYS", "BLIND_INDEX_KEY", "SECRET_KEY")


def _compose_binary() -> str:
    binary = shutil.which("docker-compose")
    if binary is None:
        pytest.skip(SKIP_REASON)
    return binary


def _run(args, cwd=None):
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=60, check=False)


def _schema_check(path: Path):
    local = ROOT / ".venv/bin/check-jsonschema"
    binary = str(local) if local.exists() else "check-jsonschema"
    return _run([binary, "--builtin-schema", "vendor.compose-spec", str(path)])


def test_compose_config_resolves_with_the_example_env(compose_dir):
    result = _run([_compose_binary(), "config"], cwd=compose_dir)
    assert result.returncode == 0, result.stderr
    config = yaml.safe_load(result.stdout)
    services = config["services"]
    assert set(services) == {"db", "redis", "migrate", "web", "proxy", "worker", "beat"}
    for name in ("web", "worker", "beat"):
        assert services[name]["command"] == [f"bin/{name}"]
        # Migrations run once (the migrate service), before any app process starts.
        assert services[name]["depends_on"] == {
            "db": {"condition": "service_healthy"},
            "redis": {"condition": "service_healthy"},
            "migrate": {"condition": "service_completed_successfully"},
        }
    for name in ("migrate", "web", "worker", "beat"):
        # The .env variables reach every app process.
        env = services[name]["environment"]
        for variable in APP_VARIABLES:
            assert env.get(variable), (name, variable)
    assert services["migrate"]["command"] == ["python", "manage.py", "migrate", "--noinput"]
    assert services["migrate"]["restart"] == "no"
    assert services["web"]["environment"]["MIGRATE_ON_START"] == "0"
    assert services["beat"]["deploy"]["replicas"] == 1
    assert "readyz" in " ".join(services["web"]["healthcheck"]["test"])
    assert services["db"]["environment"]["POSTGRES_PASSWORD"] == "change-me"


def test_only_the_proxy_publishes_ports_so_web_can_be_scaled(compose_dir):
    config = yaml.safe_load(_run([_compose_binary(), "config"], cwd=compose_dir).stdout)
    services = config["services"]
    published = {name for name, service in services.items() if service.get("ports")}
    assert published == {"proxy"}
    assert sorted(str(p["target"]) for p in services["proxy"]["ports"]) == ["443", "80"]
    web = services["web"]
    assert "ports" not in web and [str(p) for p in web["expose"]] == ["8000"]
    # Exactly one proxy hop is trusted for the client's address (config/client_ip.py).
    assert web["environment"]["TRUSTED_PROXY_COUNT"] == "1"
    proxy = services["proxy"]
    assert proxy["image"].startswith("nginx:1.28")  # `server ... resolve` needs nginx >= 1.27.3
    assert proxy["depends_on"] == {"web": {"condition": "service_healthy"}}
    assert "proxy-healthz" in " ".join(proxy["healthcheck"]["test"])
    # Compose v1 prints short syntax: "source:target:ro".
    mounts = {target: (source, mode) for source, target, mode in (v.split(":") for v in proxy["volumes"])}
    source, mode = mounts["/etc/nginx/conf.d/default.conf"]
    assert source == str(compose_dir / "deploy/nginx/yorisoi.conf") and mode == "ro"
    assert mounts["/etc/nginx/certs"] == (str(compose_dir / "deploy/certs"), "ro")


def test_compose_refuses_to_start_without_the_database_password(compose_dir):
    binary = _compose_binary()
    env_file = compose_dir / ".env"
    env_file.write_text(
        "\n".join(
            line for line in env_file.read_text().splitlines() if not line.startswith("POSTGRES_PASSWORD=")
        )
    )
    result = _run([binary, "config", "-q"], cwd=compose_dir)
    assert result.returncode != 0 and "POSTGRES_PASSWORD" in result.stderr


def test_compose_file_matches_the_compose_specification_schema():
    result = _schema_check(ROOT / "docker-compose.yml")
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_schema_check_catches_a_broken_file(tmp_path):
    broken = tmp_path / "docker-compose.yml"
    data = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    data["services"]["web"]["healthcheck"]["interval"] = ["10s"]  # must be a string
    data["services"]["worker"]["restart_policy"] = "always"  # not a service key
    broken.write_text(yaml.safe_dump(data))
    result = _schema_check(broken)
    assert result.returncode != 0 and "restart_policy" in result.stdout + result.stderr
