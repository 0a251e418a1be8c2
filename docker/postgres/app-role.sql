-- The application's database role: it logs in, reads and writes rows, and owns nothing. Migrations
-- run as :owner (POSTGRES_USER), which creates and owns every table; the audit migration then takes
-- UPDATE, DELETE and TRUNCATE on the audit table away from every other role (audit/database.py).
-- psql variables: app_user, app_password, owner.

CREATE ROLE :"app_user" LOGIN PASSWORD :'app_password' NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT;
SELECT current_database() AS dbname \gset
GRANT CONNECT ON DATABASE :"dbname" TO :"app_user";
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO :"app_user";

-- Tables and sequences the owner creates later (every migration), and those already there.
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" IN SCHEMA public
    GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO :"app_user";
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" IN SCHEMA public
    GRANT USAGE, SELECT ON SEQUENCES TO :"app_user";
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO :"app_user";
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO :"app_user";

-- When the role is added to a database that is already migrated, the audit table stays append-only.
SELECT to_regclass('public.audit_auditevent') IS NOT NULL AS has_audit_table \gset
\if :has_audit_table
REVOKE UPDATE, DELETE, TRUNCATE ON audit_auditevent FROM :"app_user";
\endif
