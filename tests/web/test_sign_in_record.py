"""The sign-in record (architecture.md, "The interaction record"; issue 10, item 3): the steps
declared in one list, one parked record per sign-in whose ``results`` hold what each step
established, the supplementation (S1, S8) and its organisation's handler step (P3) inside it,
its lifetime, and old links answering with the expired page."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import orgkit
from idp.flows import policy
from idp.services import services
from orgsupplementkit import CAPTCHA, USCC, bind_registered, legal_legacy, org_data, org_login
from orgsupplementkit import submit as org_submit
from supplementkit import completion, legacy_login, natural_legacy, send, submit
from support import query


@pytest.fixture
def settings_overrides():
    return CAPTCHA


def record(iid: str) -> dict:
    return json.loads(services().store.get(f"ia:{iid}"))


def test_steps_are_declared_in_one_list_in_order():
    assert [s.name for s in policy.STEPS] == ["login", "supplement", "agreement", "consent"]
    assert not hasattr(policy, "insert_step")
    assert [s.endpoint for s in policy.STEPS] == [
        "interaction.login",
        "supplement.step",
        "interaction.agreement",
        "interaction.consent",
    ]


def test_a_sign_in_records_its_results_in_one_record(app, browser, rp, user):
    login = browser.authorize(rp, scope="openid profile")
    iid = login.location.split("/")[-2]
    consent = browser.login(login)
    results = record(iid)["results"]
    assert results["login"]["user_id"] == user.id and results["login"]["amr"] == ["pwd"]
    assert "consent" not in results
    assert "code" in query(browser.consent(consent).location)
    assert services().store.get(f"ia:{iid}") is None  # resumed: the record is gone


def test_s1_legacy_login_in_a_sign_in_keeps_its_supplementation_in_that_record(app, browser, rp):
    natural_legacy()
    login = browser.authorize(rp)
    iid = login.location.split("/")[-2]
    step = legacy_login(browser.http, url=login.location)
    assert step.location == f"/interaction/{iid}/supplement"
    page_url = browser.follow(step).location
    assert page_url == f"/supplement/{iid}"  # the supplementation page of this very sign-in
    part = record(iid)["results"]["supplement"]
    assert isinstance(part["data"], str) and part["flow_id"] == iid  # sealed; codes bound here
    assert services().store.get(f"supp:{iid}") is None


def test_s1_legacy_login_at_the_personal_center_gets_a_record_without_a_request(app, client):
    natural_legacy()
    page_url = legacy_login(client).location
    sid = page_url.rsplit("/", 1)[1]
    stored = record(sid)
    assert stored["client_id"] is None and stored["params"] == {}
    assert client.get(f"/interaction/{sid}").status_code == 404  # nothing to resume
    assert submit(client, page_url, completion()).location == "/supplement/done"  # S8
    done = client.get("/supplement/done").get_data(as_text=True)
    assert 'href="/login"' in done and "/interaction/" not in done  # nothing to go back to


def test_s8_supplementation_begun_at_the_personal_center_continues_in_a_sign_in(
    app, browser, rp, clock
):
    natural_legacy()
    first = legacy_login(browser.http).location
    send(browser.http, first, "sms", completion(street="长安街 1 号"))
    login = browser.authorize(rp)
    iid = login.location.split("/")[-2]
    step = browser.http.get(f"/interaction/{iid}")
    assert step.location == f"/interaction/{iid}/supplement"
    page_url = browser.follow(step).location
    assert page_url == f"/supplement/{iid}"
    assert "长安街 1 号" in browser.http.get(page_url).get_data(as_text=True)  # moved with it
    assert browser.http.get(first).status_code == 404  # the old record is gone
    clock.advance(120)  # past the resend interval of the code sent before
    done = submit(browser.http, page_url, completion())
    assert done.location == "/supplement/done"
    assert f'href="/interaction/{iid}"' in browser.http.get(done.location).get_data(as_text=True)
    assert browser.http.get(f"/interaction/{iid}").location == f"/interaction/{iid}/consent"


def test_supplementation_record_lives_the_longer_of_the_two_ttls(app, browser, rp, clock):
    settings = services().settings
    request_ttl = settings.protocol.interaction_ttl
    supplement_ttl = settings.legacy.supplement_ttl
    assert supplement_ttl > request_ttl
    natural_legacy()
    login = browser.authorize(rp)
    page_url = browser.follow(legacy_login(browser.http, url=login.location)).location
    clock.advance(request_ttl + 1)
    assert browser.http.get(page_url).status_code == 200  # the request waits for it (S8)
    clock.advance(supplement_ttl - request_ttl)
    assert browser.http.get(page_url).status_code == 404


def test_a_record_without_a_supplementation_lives_the_request_ttl(app, browser, rp, clock):
    login = browser.authorize(rp)
    clock.advance(services().settings.protocol.interaction_ttl + 1)
    page = browser.follow(login)
    assert page.status_code == 404 and "登录请求已过期或无效" in page.get_data(as_text=True)


def test_old_supplementation_links_answer_with_the_not_found_page(app, client):
    """A link of a supplementation parked before (``supp:<id>``) or gone: the 404 page that says
    the supplementation expired, no 500."""
    page = client.get("/supplement/an-old-flow-id-from-before")
    assert page.status_code == 404 and "信息补录已过期或无效" in page.get_data(as_text=True)


def test_p3_handler_step_state_lives_in_the_sign_in_record_not_the_cookie(app, client):
    legal_legacy()
    handler = orgkit.make_handler(1)
    page_url = org_login(client, USCC, "legal").location
    assert org_submit(client, page_url, org_data()).location == f"{page_url}/handler"
    with client.session_transaction() as form_session:
        assert "register_org" not in form_session  # no registration flow, no resume URL
    back = bind_registered(client, handler, page_url)
    assert back.location == page_url
    with client.session_transaction() as form_session:
        assert "register_org" not in form_session


def test_record_parked_in_an_older_shape_reads_as_expired(app, browser, rp):
    login = browser.authorize(rp)
    iid = login.location.split("/")[-2]
    old = record(iid)
    old.pop("results")
    old.update(login_done=False, consent_done=False, user_id=None, data={})
    services().store.set(f"ia:{iid}", json.dumps(old), ttl=600)
    page = browser.follow(login)
    assert page.status_code == 404 and "登录请求已过期或无效" in page.get_data(as_text=True)


def test_no_page_module_changes_the_steps():
    """The steps are declared once, in idp/flows/policy.py: no web module inserts or edits one
    (the circle and private-name rules of every module are tests/test_layers.py's)."""
    web = Path(__file__).resolve().parents[2] / "idp" / "web"
    for path in web.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert "insert_step" not in text and "STEPS" not in text.replace("policy.STEPS``", ""), (
            path.name
        )
