SELECT a FROM t WHERE (a = 10 FROM
----
error: Expected ')' but found 'FROM' (line 1, column 31)
SELECT a FROM t WHERE (a = 10 FROM
                              ^^^^
====
select a from
----
error: Expected a table name but found end of input (line 1, column 14)
====
select a from t
where a = 'unterminated
----
error: Unterminated string: missing closing ' (line 2, column 11)
where a = 'unterminated
          ^
====
select a # b from t
----
error: Unexpected character '#' (line 1, column 10)
====
select a from t where
----
error: Expected an expression but found end of input (line 1, column 22)
====
select a from t where a between 1 or 2
----
error: Expected AND but found 'or' (line 1, column 35)
====
selec a from t
----
error: Expected a statement but found 'selec' (line 1, column 1)
====
select a from t t2 t3
----
error: Expected ';' or end of input but found 't3' (line 1, column 20)
====
create table t (a strin)
----
error: Unknown type 'strin' (use STRING, NUMBER, BINARY, BOOLEAN, LIST, MAP or ANY) (line 1, column 19)
====
create table t (a string, primary key (a), primary key (a))
----
error: PRIMARY KEY is given twice (line 1, column 44)
====
select * from (select a from t)
----
error: Expected an alias for the subquery but found end of input (line 1, column 32)
====
update t set a = 1, where b = 2
----
error: Expected a column name but found 'where' (line 1, column 21)
====
select a.b[x] from t
----
error: Expected an index or '*' but found 'x' (line 1, column 12)
====
select 12abc from t
----
error: Invalid number '12a' (line 1, column 8)
====
select a from t /* never closed
----
error: Unterminated comment: '/*' has no closing '*/' (line 1, column 17)
====
select "" from t
----
error: A quoted identifier must not be empty (line 1, column 8)
====
insert into t (a) valeus (1)
----
error: Expected VALUES or SELECT but found 'valeus' (line 1, column 19)
====
create view v as select 1
----
error: Expected TABLE, INDEX, JOIN or MATERIALIZED VIEW but found 'view' (line 1, column 8)
====
create join inner people on people.id = items.people
----
error: Expected JOIN but found 'people' (line 1, column 19)
