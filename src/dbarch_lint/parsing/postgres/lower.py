"""Lowering libpg_query's JSON statement nodes into IR events.

Each handled node kind has a function returning its events. Kinds that need no events (queries,
session commands, comments, grants of roles ...) are listed in `UNDERSTOOD`; anything else is
reported as DBA002, never silently passed.
"""

from __future__ import annotations

import re
from typing import Any

import msgspec

from dbarch_lint.model import ir
from dbarch_lint.model.ir import QName, Span
from dbarch_lint.parsing.postgres.nodes import (
    Node,
    Where,
)
from dbarch_lint.parsing.postgres.objects import (
    QUERY_CLAUSES,
    Lowering,
    alter_database,
    alter_domain,
    alter_enum,
    alter_function,
    alter_object_schema,
    cluster_stmt,
    copy_stmt,
    create_domain,
    create_enum,
    create_function,
    create_table_as,
    created,
    data_change,
    grant_stmt,
    lock_stmt,
    name_at,
    refresh_stmt,
    reindex_stmt,
    relation_of,
    role_stmt,
    select_stmt,
    set_stmt,
    transaction_stmt,
    trigger_name,
    vacuum_stmt,
    view_stmt,
)
from dbarch_lint.parsing.postgres.tables import (
    alter_table,
    create_foreign_table,
    create_stmt,
    drop_stmt,
    index_stmt,
    rename_stmt,
    truncate_stmt,
)


def lower_statement(
    kind: str, node: Node, span: Span, where: Where
) -> tuple[tuple[ir.AnyEvent, ...], str | None]:
    """Events for one statement, or a DBA002 message when the kind is not modelled."""
    lowering = LOWERINGS.get(kind)
    events = lowering(node, span, where) if lowering is not None else None
    if events is not None:
        return tuple(events), None
    if lowering is None and kind in UNDERSTOOD:
        return (ir.Utility(span, kind),), None
    words = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", kind.removesuffix("Stmt"))
    return (), f"{words} statement is not modelled by the rules; it was not checked"


def decode_node(kind: str, body: msgspec.Raw) -> Node:
    """The statement node in libpg_query's JSON `body`, decoded only as far as its lowering reads.

    Speed: decoding is much of the cost of parsing. A kind without a lowering needs no node, and
    a few kinds read only some top-level keys (`READS`).
    """
    if kind not in LOWERINGS:
        return {}
    if kind not in READS:
        node: Node = _NODE.decode(body)
        return node
    read = (_READS.get(kind) or _reads_decoder(kind)).decode(body)
    return {
        key: value
        for key in read.__struct_fields__
        if (value := getattr(read, key)) is not msgspec.UNSET
    }


_NODE = msgspec.json.Decoder()
_RAW = msgspec.json.Decoder(msgspec.Raw)
# A node's clauses by name, none of them decoded: `{"SelectStmt": {"valuesLists": <raw>, ...}}`.
_CLAUSES = msgspec.json.Decoder(dict[str, dict[str, msgspec.Raw]])


def create_schema(node: Node, span: Span, where: Where) -> list[ir.AnyEvent]:
    """CREATE SCHEMA, with the statements it contains."""
    events: list[ir.AnyEvent] = [
        ir.CreateObject(
            span,
            "schema",
            QName(None, node.get("schemaname", "")),
            None,
            bool(node.get("if_not_exists")),
        )
    ]
    for element in node.get("schemaElts", []) or []:
        kind, inner = next(iter(element.items()))
        inner_events, _ = lower_statement(kind, inner, span, where)
        events.extend(inner_events)
    return events


LOWERINGS: dict[str, Lowering] = {
    "VacuumStmt": vacuum_stmt,
    "ClusterStmt": cluster_stmt,
    "ReindexStmt": reindex_stmt,
    "RefreshMatViewStmt": refresh_stmt,
    "AlterObjectSchemaStmt": alter_object_schema,
    "CreateStmt": create_stmt,
    "CreateForeignTableStmt": create_foreign_table,
    "AlterTableStmt": alter_table,
    "IndexStmt": index_stmt,
    "DropStmt": drop_stmt,
    "RenameStmt": rename_stmt,
    "TruncateStmt": truncate_stmt,
    "CreateEnumStmt": create_enum,
    "AlterEnumStmt": alter_enum,
    "AlterDatabaseStmt": alter_database,
    "CreateFunctionStmt": create_function,
    "AlterFunctionStmt": alter_function,
    "CreateRoleStmt": role_stmt,
    "AlterRoleStmt": role_stmt,
    "GrantStmt": grant_stmt,
    "VariableSetStmt": set_stmt,
    "TransactionStmt": transaction_stmt,
    "InsertStmt": data_change("insert"),
    "UpdateStmt": data_change("update"),
    "DeleteStmt": data_change("delete"),
    "MergeStmt": data_change("merge"),
    "CopyStmt": copy_stmt,
    "SelectStmt": select_stmt,
    "CreateTableAsStmt": create_table_as,
    "ViewStmt": view_stmt,
    "CreateSchemaStmt": create_schema,
    "CreateSeqStmt": created("sequence", name_at("sequence")),
    "CreateDomainStmt": create_domain,
    "AlterDomainStmt": alter_domain,
    "LockStmt": lock_stmt,
    "CompositeTypeStmt": created("type", name_at("typevar")),
    "CreateRangeStmt": created("type", name_at("typeName")),
    "CreateExtensionStmt": created("extension", name_at("extname")),
    "CreateTrigStmt": created("trigger", trigger_name, relation_of),
    "CreatePolicyStmt": created("policy", name_at("policy_name"), relation_of),
    "RuleStmt": created("rule", name_at("rulename"), relation_of),
    "CreateStatsStmt": created("statistics", name_at("defnames")),
    "CreateEventTrigStmt": created("event trigger", name_at("trigname")),
    "CreatePublicationStmt": created("publication", name_at("pubname")),
    "CreateCastStmt": created("cast", lambda n: QName(None, "cast")),
}


# The top-level keys some lowerings read, each with its decoder (the other keys are not
# decoded); keep in step with them. An INSERT's query is looked at only for its VALUES clause.
_DATA_CHANGE_KEYS = {"relation": _NODE, "selectStmt": _CLAUSES}
READS: dict[str, dict[str, msgspec.json.Decoder[Any]]] = {
    "ViewStmt": {**dict.fromkeys(("view", "replace"), _NODE), "query": _RAW},
    "CreateTableAsStmt": {
        **dict.fromkeys(("into", "objtype", "if_not_exists"), _NODE),
        "query": _RAW,
    },
    # (the clauses that may read a relation stay raw: decoded only when they name one)
    "SelectStmt": {"intoClause": _NODE, **dict.fromkeys(QUERY_CLAUSES, _RAW)},
    "InsertStmt": _DATA_CHANGE_KEYS,
    "UpdateStmt": _DATA_CHANGE_KEYS,
    "DeleteStmt": _DATA_CHANGE_KEYS,
    "MergeStmt": _DATA_CHANGE_KEYS,
    "CreateFunctionStmt": dict.fromkeys(("funcname", "is_procedure", "replace", "options"), _NODE),
}


def _reads_decoder(kind: str) -> msgspec.json.Decoder[Any]:
    """One decoder for the keys of a `kind` node that `READS` names, each as its decoder would
    decode it (unset when absent), in one pass: the others are skipped once, not first cut out
    as raw JSON and the read ones then gone through again. (Made on first use: start-up.)"""
    fields = [(key, decoder.type, msgspec.UNSET) for key, decoder in READS[kind].items()]
    made = _READS[kind] = msgspec.json.Decoder(msgspec.defstruct(f"_{kind}Reads", fields))
    return made


_READS: dict[str, msgspec.json.Decoder[Any]] = {}

# Statements the rules need no facts from: queries and session commands, comments, roles and
# privileges, maintenance commands (the locking rules look at their raw node), and DDL on
# objects that hold no table data.
# fmt: off
UNDERSTOOD = frozenset((
    "ExplainStmt", "VariableShowStmt", "PrepareStmt", "ExecuteStmt", "DeallocateStmt",
    "DeclareCursorStmt", "FetchStmt", "ClosePortalStmt", "ListenStmt", "NotifyStmt",
    "UnlistenStmt", "CheckPointStmt", "DiscardStmt", "LoadStmt", "CallStmt",
    "ConstraintsSetStmt", "CommentStmt", "SecLabelStmt", "GrantRoleStmt",
    "AlterDefaultPrivilegesStmt", "DoStmt", "DropRoleStmt", "AlterRoleSetStmt",
    "DropOwnedStmt", "ReassignOwnedStmt", "AlterSeqStmt",
    "AlterExtensionStmt", "AlterExtensionContentsStmt", "AlterPolicyStmt", "AlterOwnerStmt",
    "DefineStmt", "AlterTypeStmt", "AlterOperatorStmt", "AlterCollationStmt",
    "AlterTSDictionaryStmt", "AlterTSConfigurationStmt", "CreateOpClassStmt",
    "CreateOpFamilyStmt", "AlterOpFamilyStmt", "CreateConversionStmt", "CreateAmStmt",
    "CreateTransformStmt", "CreatePLangStmt", "CreateFdwStmt", "AlterFdwStmt",
    "CreateForeignServerStmt", "AlterForeignServerStmt", "CreateUserMappingStmt",
    "AlterUserMappingStmt", "DropUserMappingStmt", "ImportForeignSchemaStmt",
    "AlterPublicationStmt", "CreateSubscriptionStmt", "AlterSubscriptionStmt",
    "DropSubscriptionStmt", "AlterEventTrigStmt", "AlterStatsStmt", "CreatedbStmt",
    "DropdbStmt", "AlterDatabaseSetStmt", "AlterDatabaseRefreshCollStmt",
    "AlterSystemStmt", "CreateTableSpaceStmt", "DropTableSpaceStmt",
    "AlterTableSpaceOptionsStmt", "AlterTableMoveAllStmt", "ReturnStmt", "PLAssignStmt",
    "AlterObjectDependsStmt",
))
# fmt: on
