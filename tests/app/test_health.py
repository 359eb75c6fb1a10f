from alembic.script import ScriptDirectory
from fastapi.testclient import TestClient

from app.cli import alembic_config


class TestHealth:
    def test_reports_the_database_reachable_and_the_migration_revision(self, client: TestClient):
        response = client.get("/health")
        assert response.status_code == 200
        body = response.json()
        assert body["database"] == "reachable"
        assert body["migration"] == ScriptDirectory.from_config(alembic_config()).get_current_head()

    def test_needs_no_key(self, client: TestClient):
        assert (
            client.get("/health", headers={"Authorization": "Bearer nonsense"}).status_code == 200
        )
