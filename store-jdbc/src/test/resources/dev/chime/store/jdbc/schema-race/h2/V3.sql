-- SchemaUpgradeTest: adds a second row when run twice.
INSERT INTO chime_race (id, added) VALUES (3, 3);
