create table people (id string, name string, age number, primary key (id))
----
CREATE TABLE people (id STRING, name STRING, age NUMBER, PRIMARY KEY (id))
====
CREATE TABLE IF NOT EXISTS events (pk VARCHAR(20) PRIMARY KEY, at INT, data BLOB, ok BOOL, tags LIST, doc JSON)
----
CREATE TABLE IF NOT EXISTS events (pk STRING, at NUMBER, data BINARY, ok BOOLEAN, tags LIST, doc MAP, PRIMARY KEY (pk))
====
create table m (pk string, sk number, v decimal(10, 2), primary key (pk, sk))
----
CREATE TABLE m (pk STRING, sk NUMBER, v NUMBER, PRIMARY KEY (pk, sk))
====
drop table people; DROP TABLE IF EXISTS x
----
DROP TABLE people;
DROP TABLE IF EXISTS x
====
create index by_age on people (age); create index by_city_age on people (city, age); drop index by_age; drop index i on t; drop index if exists "x y" on t
----
CREATE INDEX by_age ON people (age);
CREATE INDEX by_city_age ON people (city, age);
DROP INDEX by_age;
DROP INDEX i ON t;
DROP INDEX IF EXISTS "x y" ON t
====
insert into people (people_name, age) values ('Ted', 29)
----
INSERT INTO people (people_name, age) VALUES ('Ted', 29)
====
INSERT INTO products (name, price) VALUES ('Spanner', 300), ('Tree', 1000), ('Spanner', -4.5)
----
INSERT INTO products (name, price) VALUES ('Spanner', 300), ('Tree', 1000), ('Spanner', -4.5)
====
insert into archive (a, b) select a, b from t where a > 1
----
INSERT INTO archive (a, b) SELECT a, b FROM t WHERE a > 1
====
insert into t values (1, 'x')
----
INSERT INTO t VALUES (1, 'x')
====
update people set people.age = 31 where people.people_name = 'Sam'
----
UPDATE people SET people.age = 31 WHERE people.people_name = 'Sam'
====
update t as x set a = a + 1, b.c[0] = 'z'
----
UPDATE t AS x SET a = a + 1, b.c[0] = 'z'
====
delete from t where a = 1; delete from t
----
DELETE FROM t WHERE a = 1;
DELETE FROM t
====
create join inner join people on people.id = items.people inner join products on items.search = products.name
----
CREATE JOIN INNER JOIN people ON people.id = items.people INNER JOIN products ON items.search = products.name
====
create materialized view item_people as select i.search, p.people_name from items i inner join people p on i.people = p.id; drop materialized view item_people; drop materialized view if exists v
----
CREATE MATERIALIZED VIEW item_people AS SELECT i.search, p.people_name FROM items AS i INNER JOIN people AS p ON i.people = p.id;
DROP MATERIALIZED VIEW item_people;
DROP MATERIALIZED VIEW IF EXISTS v
====
explain select * from t where id = 1
----
EXPLAIN SELECT * FROM t WHERE id = 1
====
begin; insert into t (a) values (1); commit; BEGIN TRANSACTION; rollback
----
BEGIN;
INSERT INTO t (a) VALUES (1);
COMMIT;
BEGIN;
ROLLBACK
====
;; select 1 ;;
----
SELECT 1
