-- Contacts: the key persons (nyckel-/kontaktpersoner) who serve an administration, and the
-- steering group (styrgrupp): its lead (huvudansvarig) and a responsible per perspective.
-- Internal data: real people's names, entered by the municipality.
-- Composite foreign keys over (id, organization_id) make the database refuse a unit or a
-- perspective of another organization; perspectives get the unique key that needs.

CREATE UNIQUE INDEX perspectives_by_id_and_organization ON perspectives (id, organization_id);

CREATE TABLE contacts (
    id TEXT PRIMARY KEY,
    organization_id TEXT NOT NULL REFERENCES organizations (id),
    role TEXT NOT NULL,
    name TEXT NOT NULL,
    title TEXT,
    email TEXT,
    phone TEXT,
    unit_id TEXT,
    perspective_id TEXT,
    external_id TEXT,
    archived_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    version INTEGER NOT NULL,
    UNIQUE (organization_id, external_id),
    FOREIGN KEY (unit_id, organization_id) REFERENCES units (id, organization_id),
    FOREIGN KEY (perspective_id, organization_id) REFERENCES perspectives (id, organization_id),
    CHECK (role IN ('key_person', 'steering_group_lead', 'steering_group_member')),
    CHECK (role <> 'key_person' OR unit_id IS NOT NULL),
    CHECK (role <> 'steering_group_member' OR perspective_id IS NOT NULL)
);
CREATE INDEX contacts_by_organization ON contacts (organization_id, role);
CREATE INDEX contacts_by_unit ON contacts (unit_id);
CREATE INDEX contacts_by_perspective ON contacts (perspective_id);
