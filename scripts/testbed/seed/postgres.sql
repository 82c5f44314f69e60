SET client_min_messages = warning;
-- Seeds the T.A.R.S. database: several tables with thousands of rows, a read-only role with
-- grants (so globals matter), an extension-free schema. Idempotent: rows are added only to
-- empty tables. Run as the database owner (psql -v ON_ERROR_STOP=1).
DO $$ BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'analytics_ro') THEN
        CREATE ROLE analytics_ro LOGIN;
    END IF;
END $$;

CREATE TABLE IF NOT EXISTS conversations (
    id         bigint PRIMARY KEY,
    title      text NOT NULL,
    created_at timestamptz NOT NULL
);
CREATE TABLE IF NOT EXISTS messages (
    id              bigint PRIMARY KEY,
    conversation_id bigint NOT NULL REFERENCES conversations(id),
    role            text NOT NULL,
    body            text NOT NULL,
    created_at      timestamptz NOT NULL
);
CREATE TABLE IF NOT EXISTS documents (
    id        bigint PRIMARY KEY,
    path      text NOT NULL UNIQUE,
    sha256    text NOT NULL,
    indexed   boolean NOT NULL DEFAULT false
);
CREATE TABLE IF NOT EXISTS audit_log (
    id      bigserial PRIMARY KEY,
    at      timestamptz NOT NULL DEFAULT now(),
    actor   text NOT NULL,
    action  text NOT NULL,
    detail  jsonb
);

INSERT INTO conversations
SELECT g, 'conversation ' || g, timestamptz '2026-01-01' + g * interval '1 minute'
FROM generate_series(1, 1200) g
WHERE NOT EXISTS (SELECT 1 FROM conversations);

INSERT INTO messages
SELECT g, 1 + (g % 1200), CASE WHEN g % 2 = 0 THEN 'user' ELSE 'assistant' END,
       'message ' || g || ': ' || repeat('lorem ipsum ', 1 + g % 7),
       timestamptz '2026-01-01' + g * interval '10 seconds'
FROM generate_series(1, 12340) g
WHERE NOT EXISTS (SELECT 1 FROM messages);

INSERT INTO documents
SELECT g, '/mnt/nas/docs/doc-' || g || '.md', md5(g::text) || md5((g * 7)::text), g % 3 = 0
FROM generate_series(1, 3000) g
WHERE NOT EXISTS (SELECT 1 FROM documents);

INSERT INTO audit_log (actor, action, detail)
SELECT 'user' || (g % 17), 'login', jsonb_build_object('n', g)
FROM generate_series(1, 2500) g
WHERE NOT EXISTS (SELECT 1 FROM audit_log);

GRANT SELECT ON ALL TABLES IN SCHEMA public TO analytics_ro;
