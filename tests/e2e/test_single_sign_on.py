"""Three subsystems, one sign-on (R3, R2), in a real browser: Playwright drives Debian's Chromium
against the IdP and the three sample subsystems of clients/ (商标网上申请, 商标网上查询,
商标公告), each a client of its own, all served on real ports, with the demo data of
``idp demo seed``.

The demo user signs in at one subsystem; the second and the third then sign in without a
single key typed (the IdP's SSO session; each asks its consent once, a click). Signing out at
one (RP-Initiated Logout, then the back-channel notices delivered over HTTP by the real sender)
signs the browser out of all three and of the IdP. A handler's sign-in shows, at each
subsystem, whom the handler acts for (``acting_for``). The SSO part runs at a desktop and at a
360 px phone viewport. Skipped only where Chromium is absent and CI is not set.
"""

from __future__ import annotations

import re

import pytest
from browserkit import DESKTOP, NARROW, assert_accessible, open_page
from screens import snap
from test_sample_subsystem import sender  # noqa: F401  (the real sender, a fixture)

from clients import subsystems
from idp import demo
from idp.domain import transaction
from idp.protocol import logout

ANSWER = "2468"
LOGIN_PAGE = re.compile(r"/interaction/[^/]+/login")  # the IdP's, where one types
LISI = demo.DEMO_HANDLERS[0]  # 李四, handler of 北京示例科技有限公司 (P3)


@pytest.fixture
def settings_overrides(idp_url):
    return {"issuer": idp_url, "captcha": {"deterministic": True, "deterministic_answer": ANSWER}}


@pytest.fixture
def three(serve_samples) -> list[tuple[str, str]]:
    """The demo data, and the three samples served: (name, url) each, in the order of
    clients.SAMPLES."""
    demo.seed()
    transaction.commit()
    served = serve_samples(*subsystems())
    return [(s.name, url) for s, (url, _) in zip(subsystems(), served, strict=True)]


def at_login_page(page, idp_url: str) -> None:
    page.wait_for_url(re.compile(re.escape(idp_url) + LOGIN_PAGE.pattern))


def consent_and_back(page, url: str, name: str) -> None:
    page.wait_for_url("**/consent")
    page.get_by_role("button", name="同意并继续").click()
    page.wait_for_url(url + "/")
    assert page.get_by_role("heading", name=f"欢迎，{name}").is_visible()


def open_peer(page, name: str, url: str, who: str) -> None:
    """The link from the sample on screen to another: signed in there by the SSO session."""
    page.get_by_role("link", name=f"打开{name}").click()
    consent_and_back(page, url, who)


def no_horizontal_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.parametrize("viewport", [DESKTOP, NARROW], ids=["desktop", "phone"])
def test_r3_sign_in_at_one_subsystem_reaches_all_three_and_sign_out_leaves_all(
    three,
    idp_url,
    viewport,
    sender,  # noqa: F811
):
    (first, first_url), (second, second_url), (third, third_url) = three
    with open_page(viewport) as page:
        page.goto(first_url + "/")
        assert page.locator("header").inner_text().startswith(first)
        page.get_by_role("button", name="登录").click()
        at_login_page(page, idp_url)
        page.fill("#identifier", demo.DEMO_USER["phone"])
        page.fill("#password", demo.PASSWORD)
        page.locator("form button.primary").click()
        consent_and_back(page, first_url, "张三")
        sub = page.inner_text("#sub")
        assert page.inner_text("#user-type") == "自然人"

        visited: list[str] = []  # from here on, the IdP's login page must never show
        page.on("framenavigated", lambda frame: visited.append(frame.url))
        open_peer(page, second, second_url, "张三")
        assert page.inner_text("#sub") == sub
        assert page.locator("header").inner_text().startswith(second)
        open_peer(page, third, third_url, "张三")
        assert page.inner_text("#sub") == sub
        assert not [url for url in visited if LOGIN_PAGE.search(url)], visited
        snap(page, "21-sso-third-subsystem")
        assert no_horizontal_scroll(page)
        assert_accessible(page, f"{third} signed in")

        page.get_by_role("button", name="退出登录").click()
        page.wait_for_url(re.compile(re.escape(third_url) + r"/\?state="))
        assert page.get_by_role("status").inner_text() == "您已退出本系统和统一身份认证。"
        assert logout.deliver_due() == 3  # a back-channel notice to each subsystem, over HTTP
        assert sorted(sender.answers) == sorted(
            (url + "/backchannel-logout", 200) for _, url in three
        )
        for name, url in three:
            page.goto(url + "/")
            assert page.get_by_role("heading", name=name).is_visible()
            assert page.inner_text("#status").startswith("您尚未登录本系统")
            assert no_horizontal_scroll(page)
        assert_accessible(page, f"{name} signed out")
        snap(page, "22-single-logout")
        page.get_by_role("button", name="登录").click()
        at_login_page(page, idp_url)  # the IdP's session ended too


def test_r2_each_subsystem_shows_whom_the_handler_acts_for(three, idp_url):
    (first, first_url), (second, second_url), (third, third_url) = three
    with open_page() as page:
        page.goto(second_url + "/")  # the journeys start from any of them
        page.get_by_role("button", name="登录").click()
        at_login_page(page, idp_url)
        page.get_by_role("link", name="法人", exact=True).click()
        page.get_by_role("link", name="经办人登录", exact=True).click()
        page.wait_for_url("**method=handler**")
        page.fill("#identifier", LISI["phone"])
        page.fill("#password", demo.PASSWORD)
        page.fill("#captcha", ANSWER)
        page.locator("form button.primary").click()
        consent_and_back(page, second_url, LISI["name"])
        for name, url in ((third, third_url), (first, first_url)):
            acting = page.inner_text("#acting-for")
            assert acting.startswith(f"代 {demo.DEMO_LEGAL['name']} 办理业务"), acting
            assert page.inner_text("#user-type") == "自然人（经办人）"
            assert demo.DEMO_LEGAL["name"] in page.inner_text("#organisation")
            open_peer(page, name, url, LISI["name"])
        assert page.inner_text("#acting-for").startswith(f"代 {demo.DEMO_LEGAL['name']}")
