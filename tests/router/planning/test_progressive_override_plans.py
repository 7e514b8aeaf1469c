"""Progressive override: plans follow the enabled labels (fixture `progressive-override`)."""

from __future__ import annotations

import pytest
from graphql import OperationDefinitionNode, parse

from router.planning.override_labels import OverrideLabels, percent_of
from router.planning.plan import QueryPlan
from router.planning.prepare import plan_operation
from router.supergraph import parse_supergraph
from tests.router.execution.support import reference_supergraph
from tests.router.planning.test_planner import fetches

APOLLO = parse_supergraph(reference_supergraph("progressive-override"))
GUILD = parse_supergraph(reference_supergraph("progressive-override", "guild"))


def plan(query: str, *labels: str, supergraph=APOLLO) -> QueryPlan:
    document = parse(query)
    operation = document.definitions[0]
    assert isinstance(operation, OperationDefinitionNode)
    return plan_operation(supergraph, document, operation, {}, frozenset(labels))


def test_overriding_source_is_used_only_when_its_label_is_enabled() -> None:
    query = '{ user(id: "1") { name plan } }'

    assert fetches(plan(query)) == [("users", ""), ("accounts", "user")]
    assert fetches(plan(query, "my-flag")) == [("users", "")]


def test_overridden_source_is_used_only_when_the_label_is_disabled() -> None:
    query = '{ account(id: "1") { plan } }'

    assert fetches(plan(query)) == [("accounts", "")]
    assert fetches(plan(query, "my-flag")) == [("accounts", ""), ("users", "account")]


def test_overridden_field_used_in_a_key_stays_a_key_of_its_subgraph() -> None:
    # accounts keeps `email` for @key(fields: "email") while users resolves it.
    query = '{ account(id: "1") { email } }'

    assert fetches(plan(query)) == [("accounts", "")]
    assert fetches(plan(query, "percent(100)")) == [("accounts", ""), ("users", "account")]


@pytest.mark.parametrize("supergraph", [APOLLO, GUILD], ids=["apollo", "guild"])
def test_root_field_moves_with_its_label(supergraph) -> None:
    # The Guild leaves the label off the overridden side; Apollo's router reads the overriding
    # side's @override, and so do we.
    assert fetches(plan("{ plans }", supergraph=supergraph)) == [("accounts", "")]
    assert fetches(plan("{ plans }", "percent(0)", supergraph=supergraph)) == [("users", "")]


def test_override_without_label_and_from_a_missing_subgraph_do_not_depend_on_labels() -> None:
    query = '{ user(id: "1") { credit phone } }'

    assert fetches(plan(query)) == [("users", "")]
    assert plan(query).labels_read == frozenset()


def test_plan_records_the_labels_it_depends_on() -> None:
    query_plan = plan('{ user(id: "1") { plan email } plans }', "my-flag", "unrelated")

    assert query_plan.labels_read == {"my-flag", "percent(100)", "percent(0)"}
    assert query_plan.labels_enabled == {"my-flag"}


def test_default_labels_are_the_configured_ones_and_percent_100() -> None:
    labels = OverrideLabels(APOLLO.all_override_labels, ["my-flag"])

    assert APOLLO.all_override_labels == {"percent(0)", "percent(100)", "percent(25.5)", "my-flag"}
    assert labels.default == {"my-flag", "percent(100)"}


def test_percent_labels_are_drawn_per_request() -> None:
    draws = iter([0.25, 0.26])
    labels = OverrideLabels(APOLLO.all_override_labels, [], draw=lambda: next(draws))

    assert labels.for_request() == {"percent(100)", "percent(25.5)"}  # 25.0 < 25.5
    assert labels.for_request() == {"percent(100)"}  # 26.0 >= 25.5


def test_configured_percent_label_is_always_enabled() -> None:
    labels = OverrideLabels({"percent(0)", "percent(50)"}, ["percent(0)"], draw=lambda: 0.99)

    assert labels.for_request() == {"percent(0)"}


def test_percent_of() -> None:
    assert percent_of("percent(25.5)") == 25.5
    assert percent_of("percent(100)") == 100
    assert percent_of("my-flag") is None
