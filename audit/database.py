"""PostgreSQL guards of the audit table: the append-only trigger and the purge function.

The migration installs them; tests and docs read the names from here. A DELETE passes the trigger
only inside `audit_purge` (which sets `audit.purging` for its transaction) and only for rows
older than the retention floor; TRUNCATE passes only where a session sets `audit.allow_truncate`
(the test settings, whose database is flushed between tests).
"""

TABLE = "audit_auditevent"
# CJIS Security Policy 5.4.7: keep audit records at least one year. The SQL below says 365 too.
RETENTION_FLOOR_DAYS = 365

REVOKE_WRITES = """
-- Whoever the deployment grants table rights to by default (docker/postgres/), the audit table
-- is insert-and-read only for every role but its owner.
DO $$
DECLARE grantee_name text;
BEGIN
    FOR grantee_name IN
        SELECT DISTINCT grantee FROM information_schema.role_table_grants
        WHERE table_name = 'audit_auditevent' AND privilege_type IN ('UPDATE', 'DELETE', 'TRUNCATE')
          AND grantee <> (SELECT tableowner FROM pg_tables WHERE tablename = 'audit_auditevent')
    LOOP
        EXECUTE format('REVOKE UPDATE, DELETE, TRUNCATE ON audit_auditevent FROM %I', grantee_name);
    END LOOP;
END $$;
"""

INSTALL = """
CREATE OR REPLACE FUNCTION audit_event_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' AND current_setting('audit.purging', true) = 'on'
       AND OLD.at < now() - make_interval(days => 365) THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'The audit log is append-only: % refused on audit_auditevent.', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END $$;

CREATE OR REPLACE FUNCTION audit_event_refuse_truncate() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('audit.allow_truncate', true) = 'on' THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'The audit log is append-only: TRUNCATE refused on audit_auditevent.'
        USING ERRCODE = 'insufficient_privilege';
END $$;

CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON audit_auditevent
    FOR EACH ROW EXECUTE FUNCTION audit_event_refuse_change();
CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_auditevent
    FOR EACH STATEMENT EXECUTE FUNCTION audit_event_refuse_truncate();

-- Runs with the owner's rights, so the app role (no DELETE) can purge old rows and nothing else.
-- Rows go oldest first up to the first one inside the period, so the kept chain has no hole.
CREATE OR REPLACE FUNCTION audit_purge(retention_days integer, OUT purged bigint, OUT anchor_hash text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
    cutoff timestamptz := now() - make_interval(days => greatest(retention_days, 365));
    boundary bigint;
BEGIN
    SELECT coalesce(min(id), (SELECT max(id) + 1 FROM audit_auditevent)) INTO boundary
      FROM audit_auditevent WHERE at >= cutoff;
    SELECT hash INTO anchor_hash FROM audit_auditevent WHERE id < boundary ORDER BY id DESC LIMIT 1;
    PERFORM set_config('audit.purging', 'on', true);
    DELETE FROM audit_auditevent WHERE id < boundary;
    GET DIAGNOSTICS purged = ROW_COUNT;
    PERFORM set_config('audit.purging', 'off', true);
END $$;
"""


UNINSTALL = """
DROP TRIGGER IF EXISTS audit_event_append_only ON audit_auditevent;
DROP TRIGGER IF EXISTS audit_event_no_truncate ON audit_auditevent;
DROP FUNCTION IF EXISTS audit_event_refuse_change();
DROP FUNCTION IF EXISTS audit_event_refuse_truncate();
DROP FUNCTION IF EXISTS audit_purge(integer);
"""
