-- How long SQLite alone takes to write what `doorstep import residents` writes, with no
-- parsing, checking or sealing: copies the tables of a database the import filled (attached
-- as src) into a new file as the import writes them (16 KiB pages, the residents' indexes
-- in place and appended to in key order, the lookup tables filled in key order), in one
-- transaction with the import's settings. Compare with `sqlite3 .import` of the CSV:
--   sqlite3 floor.db -cmd "ATTACH 'imported.db' AS src" < bench/import-floor.sql
PRAGMA main.page_size=16384;
PRAGMA main.journal_mode=TRUNCATE;
PRAGMA main.synchronous=NORMAL;
PRAGMA cache_size=-32768;
.timer on
BEGIN;
CREATE TABLE households AS SELECT * FROM src.households WHERE 0;
CREATE UNIQUE INDEX households_address ON households (area_code, unit, room);
INSERT INTO households SELECT * FROM src.households ORDER BY id;
CREATE TABLE residents AS SELECT * FROM src.residents WHERE 0;
CREATE INDEX residents_area ON residents (area_code, id, status, name);
CREATE INDEX residents_household ON residents (household_id);
INSERT INTO residents SELECT * FROM src.residents ORDER BY id;
CREATE TABLE resident_ids (blind BLOB PRIMARY KEY, resident_id INTEGER NOT NULL) WITHOUT ROWID;
INSERT INTO resident_ids SELECT * FROM src.resident_ids ORDER BY blind;
CREATE TABLE resident_phones (blind BLOB NOT NULL, resident_id INTEGER NOT NULL, PRIMARY KEY (blind, resident_id)) WITHOUT ROWID;
INSERT INTO resident_phones SELECT * FROM src.resident_phones ORDER BY blind, resident_id;
COMMIT;
