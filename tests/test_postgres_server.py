"""The real-server harness itself: a cluster starts, and a second session sees the first's locks
(what the locking tests rely on)."""

from __future__ import annotations

from tests.postgres import Server


def test_the_cluster_runs_and_shows_locks(pg_server: Server) -> None:
    with pg_server.connect() as admin, pg_server.connect() as other:
        admin.execute("DROP TABLE IF EXISTS harness_t; CREATE TABLE harness_t (id int)")
        with other.transaction():
            other.execute("LOCK TABLE harness_t IN ACCESS EXCLUSIVE MODE")
            modes = admin.execute(
                "SELECT mode FROM pg_locks WHERE relation = 'harness_t'::regclass"
            ).fetchall()
        assert modes == [("AccessExclusiveLock",)]
        assert pg_server.version >= 10
