-- SchemaUpgradeTest: fails when run twice.
ALTER TABLE chime_race ADD COLUMN added INTEGER;
