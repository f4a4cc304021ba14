"""The home page's work queues: registered by domain apps, shown by capability, empty ones say so."""

from __future__ import annotations

from django.urls import reverse

from harbour.ui import queues
from harbour.ui.queues import QueueItem, WorkQueue, filled_queues_for, queues_for
from tests import factories
from tests.ui.html import Element, parse


def section(page: Element, code: str) -> Element:
    return page.find("section", aria_labelledby=f"queue-{code}")


def home(world, role: str) -> Element:
    response = world.client_for(role).get(reverse("ui:home"))
    assert response.status_code == 200
    return parse(response.content)


def test_queues_are_chosen_by_capability_and_ordered(world, only_test_queues):
    calls = []

    def items(actor):
        calls.append(actor)
        return []

    queues.register(WorkQueue("b", "Second", "Nothing.", capability=None, items=items, order=20))
    queues.register(WorkQueue("a", "First", "Nothing.", capability="break_glass.use", items=items, order=10))
    queues.register(WorkQueue("c", "Audit", "Nothing.", capability="audit.view_all", items=items, order=5))

    assert [q.code for q in queues_for(world.users["practitioner"])] == ["a", "b"]
    assert [q.code for q in queues_for(world.users["data-protection-officer"])] == ["c", "b"]
    assert [q.code for q in queues_for(world.users["analyst"])] == ["b"]
    assert not calls  # choosing queues runs none of them


def test_registering_again_replaces_the_queue(only_test_queues):
    queues.register(WorkQueue("a", "Old", "Nothing.", capability=None, items=lambda actor: []))
    queues.register(WorkQueue("a", "New", "Nothing.", capability=None, items=lambda actor: []))
    assert [q.title for q in queues.registered()] == ["New"]
    queues.unregister("a")
    assert queues.registered() == []


def test_empty_queues_say_so(world, only_test_queues):
    queues.register(
        WorkQueue(
            code="break-glass-review",
            title="Break-glass uses to review",
            empty_text="No break-glass uses waiting for your review.",
            capability="audit.view_network",
            items=lambda actor: [],
        )
    )
    page = home(world, "team-manager")
    queue = section(page, "break-glass-review")
    assert queue.find("h2").text == "Break-glass uses to review 0 items"
    assert "No break-glass uses waiting for your review." in queue.text
    assert not queue.find_all("table")
    # A practitioner does not have this queue at all.
    assert not home(world, "practitioner").find_all("section", aria_labelledby="queue-break-glass-review")


def test_queue_items_are_listed_with_their_details(world, only_test_queues):
    seen = []

    def caseload(actor):
        seen.append(actor)
        return [
            QueueItem(
                title="Jade Bishop",
                url="/people/1/",
                meta=["Age 15", "You are the lead professional"],
                tag="Review due",
            ),
            QueueItem(title="Amelia Nowak", url="/people/2/", meta=["Age 14"]),
        ]

    queues.register(
        WorkQueue(
            "caseload",
            "Your young people",
            "No young people are allocated to you.",
            capability="person.edit",
            items=caseload,
            columns=("Young person", "Age and role", "Status"),
        )
    )
    page = home(world, "practitioner")
    assert seen == [world.users["practitioner"]]
    queue = section(page, "caseload")
    assert queue.find("h2").text == "Your young people 2 items"
    table = queue.find("table", cls="govuk-table")
    assert table.find("caption").text == "Your young people"
    assert [th.text for th in table.find("thead").find_all("th")] == [
        "Young person",
        "Age and role",
        "Status",
    ]
    rows = table.find("tbody").find_all("tr")
    assert len(rows) == 2
    first = rows[0]
    link = first.find("th", scope="row").find("a")
    assert (link.attrs["href"], link.text) == ("/people/1/", "Jade Bishop")
    assert first.find_all("td")[0].text == "Age 15 You are the lead professional"
    assert first.find("strong", cls="govuk-tag").text == "Review due"
    assert not rows[1].find_all("strong")


def test_status_column_only_when_an_item_has_a_tag(world, only_test_queues):
    queues.register(
        WorkQueue(
            "q", "Things", "None.", capability=None, items=lambda actor: [QueueItem(title="One", url="/1/")]
        )
    )
    table = section(home(world, "analyst"), "q").find("table")
    assert [th.text for th in table.find_all("th", scope="col")] == ["Item", "Details"]


def test_long_queues_show_their_limit_and_say_how_many_more(world, only_test_queues):
    many = [QueueItem(title=f"Item {n}", url=f"/{n}/") for n in range(30)]
    queues.register(WorkQueue("many", "Lots", "None.", capability=None, items=lambda actor: many, limit=25))
    queue = section(home(world, "analyst"), "many")
    assert queue.find("h2").text == "Lots 30 items"
    assert len(queue.find("tbody").find_all("tr")) == 25
    assert "5 more not shown here." in queue.text


def test_a_counted_queue_builds_only_what_it_shows(world, only_test_queues):
    built = [QueueItem(title=f"Item {n}", url=f"/{n}/") for n in range(3)]
    queues.register(
        WorkQueue(
            "counted",
            "Counted",
            "None.",
            capability=None,
            items=lambda actor: built,
            count=lambda actor: 3000,
            limit=3,
            more_url="ui:home",
        )
    )
    queue = section(home(world, "analyst"), "counted")
    assert queue.find("h2").text == "Counted 3000 items"
    assert len(queue.find("tbody").find_all("tr")) == 3
    assert "2997 more not shown here." in queue.text


def test_a_queue_shorter_than_its_limit_is_not_counted_again(world, only_test_queues):
    counted = []

    def count(actor):
        counted.append(actor)
        return 99

    built = [QueueItem(title=f"Item {n}", url=f"/{n}/") for n in range(2)]
    queues.register(
        WorkQueue("short", "Short", "None.", capability=None, items=lambda actor: built, count=count, limit=3)
    )
    queue = section(home(world, "analyst"), "short")
    assert queue.find("h2").text == "Short 2 items"  # fewer than the limit: that is all there is
    assert not counted


def test_a_failing_queue_does_not_break_the_home_page(world, only_test_queues, caplog):
    def broken(actor):
        raise RuntimeError("database is having a bad day")

    queues.register(WorkQueue("broken", "Broken", "None.", capability=None, items=broken, order=1))
    queues.register(WorkQueue("fine", "Fine", "Nothing to do.", capability=None, items=lambda actor: []))
    page = home(world, "practitioner")
    assert "This list could not be loaded" in section(page, "broken").text
    assert "Nothing to do." in section(page, "fine").text
    assert "Work queue broken could not be loaded" in caplog.text
    assert [q.failed for q in filled_queues_for(world.users["practitioner"])] == [True, False]


def test_no_queues_for_the_role(world, only_test_queues):
    page = home(world, "system-administrator")
    assert not page.find("main").find_all("section")
    assert "There are no work lists for your role" in page.find("main").text


def test_a_user_without_a_team_is_told_what_to_do(world, only_test_queues):
    user = factories.UserFactory(username="newcomer")
    factories.enrol_totp(user)
    client = world.client_for(user)
    page = parse(client.get(reverse("ui:home")).content)
    assert "You are not in a team with a role yet" in page.find("main").text
    assert page.find("div", cls="app-account").find("button").text == "Sign out"


def test_the_domain_apps_register_their_queues(world):
    """People and access register their queues at start-up; the home page shows the empty ones."""
    page = home(world, "team-manager")
    for queue in queues_for(world.users["team-manager"]):
        assert section(page, queue.code).find("h2").text.startswith(queue.title)


def test_items_are_escaped_and_only_queues_with_tags_have_the_tag_column(world, only_test_queues):
    """The rows are built in Python (FilledQueue.rows_html), not by the template: they must escape
    what they show as the template would."""
    queues.register(
        WorkQueue(
            code="tagged",
            title="Tagged",
            empty_text="",
            capability=None,
            items=lambda actor: [
                QueueItem(title="<b>Jade</b>", url="/x?a=1&b=2", meta=["one <i>", "two"], tag="<Overdue>"),
                QueueItem(title="Tyler", url="/y", meta=[]),
            ],
        )
    )
    queues.register(
        WorkQueue(
            code="plain",
            title="Plain",
            empty_text="",
            capability=None,
            items=lambda actor: [QueueItem(title="Riley", url="/z", meta=["a fact"])],
        )
    )
    response = world.client_for("practitioner").get(reverse("ui:home"))
    html = response.content.decode()
    assert "<b>Jade</b>" not in html
    assert "&lt;b&gt;Jade&lt;/b&gt;" in html
    assert 'href="/x?a=1&amp;b=2"' in html
    assert "one &lt;i&gt;<br>two" in html
    assert '<strong class="govuk-tag">&lt;Overdue&gt;</strong>' in html
    page = parse(response.content)
    tagged_rows = section(page, "tagged").find_all("tr")
    assert [len(row.find_all("td")) for row in tagged_rows[1:]] == [2, 2]  # details and status cells
    plain_rows = section(page, "plain").find_all("tr")
    assert [len(row.find_all("td")) for row in plain_rows[1:]] == [1]
    assert len(plain_rows[0].find_all("th")) == 2  # no status column
