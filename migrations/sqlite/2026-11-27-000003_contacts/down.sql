DROP TABLE contacts;
DROP INDEX perspectives_by_id_and_organization;
