"""Two people edit the same project at once in two browsers: the second save is refused, with
both versions on screen, and nothing of the first is lost."""

from __future__ import annotations

import pytest
from django.conf import settings

from tests import factories

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def logged_in(browser, base, username):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1400, "height": 900})
    context.set_default_timeout(15000)
    page = context.new_page()
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", factories.PASSWORD)
    page.click("form button.primary")
    page.wait_for_url(f"{base}/")
    return context, page


def test_second_save_is_refused_with_both_versions_visible(browser, live_server, city, park_a_admin, commission_user):
    project = factories.ProjectFactory(
        name="陆源科技智能装备中心", park=city.park_a, industry=city.ei_ic, owner="陆源科技"
    )
    base = live_server.url
    first_ctx, first = logged_in(browser, base, "commission")
    second_ctx, second = logged_in(browser, base, "admin_a")
    try:
        for page in (first, second):
            page.goto(f"{base}/projects/{project.pk}/edit/")
        first.fill("#id_owner", "陆源科技股份有限公司")
        first.click("#project-form button.primary")
        first.wait_for_selector(".msg-success")

        second.fill("#id_owner", "陆源智能装备有限公司")
        second.fill("#id_leader", "王副市长")
        second.click("#project-form button.primary")
        second.wait_for_selector("#conflict")
        text = second.locator("#conflict").inner_text()
        assert "该项目已被他人修改，您的修改未保存" in text
        row = second.locator("#conflict tr.differs", has_text="建设单位")
        assert row.locator("td.mine").inner_text() == "陆源智能装备有限公司"
        assert row.locator("td.theirs").inner_text() == "陆源科技股份有限公司"
        assert second.locator("#conflict tr", has_text="项目级别").locator("td.theirs").inner_text() == "市重点"
        assert second.locator("#id_owner").input_value() == "陆源智能装备有限公司"  # the input is kept
        shots = settings.BASE_DIR / "var" / "screenshots"
        shots.mkdir(parents=True, exist_ok=True)
        second.screenshot(path=str(shots / "conflict.png"), full_page=True)
        project.refresh_from_db()
        assert (project.owner, project.leader, project.version) == ("陆源科技股份有限公司", "", 2)
    finally:
        first_ctx.close()
        second_ctx.close()
