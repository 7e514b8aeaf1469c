"""GraphiQL in a real browser with no way off this machine: the router's page (and a subgraph's)
loads from the server itself, runs a query typed into the editor and shows the result."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest

from tests.support.browser import Browser, Page, chromium, chromium_missing
from tests.support.graph import Graph

missing = chromium_missing()
pytestmark = pytest.mark.skipif(missing is not None, reason=missing or "")

EDITOR = "document.querySelector('.graphiql-query-editor .CodeMirror')"
RESULT = "document.querySelector('.result-window .CodeMirror')"


@pytest.fixture(scope="module")
async def browser() -> AsyncIterator[Browser]:
    async with chromium() as running:
        yield running


async def open_graphiql(browser: Browser, url: str) -> Page:
    page = await browser.new_page(offline=True)
    await page.send("Page.navigate", {"url": url})
    await page.wait_for(f"{EDITOR} !== null && {EDITOR}.CodeMirror !== undefined")
    return page


async def type_query(page: Page, query: str) -> None:
    """Put ``query`` in the editor and wait until GraphiQL has parsed it (it debounces edits)."""
    await page.evaluate(f"{EDITOR}.CodeMirror.setValue({json.dumps(query)})")
    await page.wait_for(
        f"(() => {{ const ast = {EDITOR}.CodeMirror.documentAST;"
        f" return !!ast && ast.loc.source.body === {json.dumps(query)}; }})()"
    )


async def run_in_editor(page: Page, query: str) -> dict[str, object]:
    """Type ``query`` into the editor, press the run button, and read the result pane."""
    await type_query(page, query)
    await page.evaluate("document.querySelector('.graphiql-execute-button').click()")
    text = await page.wait_for(
        f"(() => {{ const v = {RESULT} && {RESULT}.CodeMirror.getValue();"
        " return v && v.trim().startsWith('{') ? v : null; })()"
    )
    result: dict[str, object] = json.loads(text)
    return result


async def test_router_graphiql_runs_a_query_offline(graph: Graph, browser: Browser) -> None:
    page = await open_graphiql(browser, graph.url)

    result = await run_in_editor(page, "query Count { search(first: 1) { totalCount } }")

    assert isinstance(result["data"], dict)
    assert isinstance(result["data"]["search"]["totalCount"], int)
    assert await page.evaluate("document.title") == "Realio GraphiQL"
    # Everything the page needed came from the router; nothing tried to leave the machine.
    assert page.blocked == []
    assert any(url.endswith("/graphiql/graphiql.min.js") for url in page.requested)


async def test_subgraph_graphiql_is_served_offline_too(graph: Graph, browser: Browser) -> None:
    page = await open_graphiql(browser, f"{graph.subgraph_urls['users']}/graphql")

    result = await run_in_editor(page, "{ __typename }")

    assert result == {"data": {"__typename": "Query"}}
    assert page.blocked == []


HEADERS_EDITOR = "document.querySelectorAll('.graphiql-editor-tool .graphiql-editor')[1]"
INBOX = "subscription Inbox { inboxEvents { kind conversation { id } } }"
SEND = """mutation($input: SendMessageInput!) { sendMessage(input: $input) { conversationId } }"""


async def test_router_graphiql_subscription_signs_in_from_the_header_editor(
    graph: Graph, browser: Browser
) -> None:
    # Accounts no other end-to-end test chats with, so their unread counts stay unaffected.
    seller = await graph.login("seller2@realio.demo")
    buyer = await graph.login("buyer2@realio.demo")
    seller_id = (await graph.data("{ me { id } }", token=seller))["me"]["id"]
    page = await open_graphiql(browser, graph.url)
    await page.evaluate(
        "[...document.querySelectorAll('.graphiql-editor-tools button')]"
        ".find(b => b.textContent.trim() === 'Headers').click()"
    )
    await page.wait_for(f"{HEADERS_EDITOR}.querySelector('.CodeMirror') !== null")
    headers = json.dumps({"Authorization": f"Bearer {seller}"})
    await page.evaluate(
        f"{HEADERS_EDITOR}.querySelector('.CodeMirror').CodeMirror.setValue({json.dumps(headers)})"
    )
    await type_query(page, INBOX)
    await page.evaluate("document.querySelector('.graphiql-execute-button').click()")

    # The subscription may open after a message is sent: later messages prove it is live.
    conversation = None
    text = None
    for attempt in range(5):
        sent = await graph.data(
            SEND, {"input": {"content": f"hello {attempt}", "receiverId": seller_id}}, buyer
        )
        conversation = sent["sendMessage"]["conversationId"]
        try:
            text = await page.wait_for(
                f"(() => {{ const v = {RESULT} && {RESULT}.CodeMirror.getValue();"
                " return v && v.includes('inboxEvents') ? v : null; })()",
                timeout=3,
            )
            break
        except TimeoutError:
            continue

    assert text is not None, "no subscription event reached GraphiQL's result pane"
    event = json.loads(text)["data"]["inboxEvents"]
    assert event["conversation"]["id"] == conversation
    assert page.blocked == []
    await graph.data(
        "mutation($c: ID!) { markConversationRead(conversationId: $c) { unreadCount } }",
        {"c": conversation},
        seller,
    )
