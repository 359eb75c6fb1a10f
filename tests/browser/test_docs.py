"""The API documentation renders with the network cut off: every asset is the service's own."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.conftest import Watch


class TestSwaggerUi:
    def test_it_renders_the_operations_without_any_outside_request(self, page: Page, watch: Watch):
        page.goto("/docs")
        operations = page.locator(".opblock")
        expect(operations.first).to_be_visible(timeout=15_000)
        assert operations.count() >= 20
        expect(page.get_by_text("/v1/ministries/{code}/share").first).to_be_visible()
        assert watch.outside == []

    def test_its_assets_come_from_the_service(self, page: Page):
        requested: list[str] = []
        page.on("request", lambda request: requested.append(request.url))
        page.goto("/docs")
        expect(page.locator(".opblock").first).to_be_visible(timeout=15_000)
        assert any(
            url.endswith("/static/vendor/swagger-ui/swagger-ui-bundle.js") for url in requested
        )
        assert any(url.endswith("/openapi.json") for url in requested)


class TestRedoc:
    def test_it_renders_the_operations_without_any_outside_request(self, page: Page, watch: Watch):
        page.goto("/redoc")
        expect(
            page.get_by_role(
                "heading", name="A ministry's share in the allocation published for a year"
            ).first
        ).to_be_attached(timeout=15_000)
        assert watch.outside == []
