-- How long SQLite alone takes to write what `doorstep import residents` writes, with no
-- parsing, checking or sealing: copies the tables of a database the import filled (attached
-- as src) into a new file, in the import's key order, and builds the same indexes, in one
-- transaction with the import's settings. Compare with `sqlite3 .import` of the CSV:
--   sqlite3 floor.db -cmd "ATTACH 'imported.db' AS src" < bench/import-floor.sql
PRAGMA main.journal_mode=TRUNCATE;
PRAGMA main.synchronous=NORMAL;
PRAGMA cache_size=-1048576;
.timer on
BEGIN;
CREATE TABLE households AS SELECT * FROM src.households WHERE 0;
INSERT INTO households SELECT * FROM src.households ORDER BY id;
CREATE UNIQUE INDEX households_address ON households (area_code, unit, room);
CREATE TABLE residents AS SELECT * FROM src.residents WHERE 0;
INSERT INTO residents SELECT * FROM src.residents ORDER BY id;
CREATE INDEX residents_area ON residents (area_code, id, status, name);
CREATE INDEX residents_household ON residents (household_id);
CREATE UNIQUE INDEX residents_id_index ON residents (id_index);
CREATE INDEX residents_phone_index ON residents (phone_index);
COMMIT;
