-- Each case: input SQL, a line '----', the expected canonical text (or 'error: <first line of message>'), then '===='.
select * from people where people.age = 29
----
SELECT * FROM people WHERE people.age = 29
====
SELECT DISTINCT a, b AS bee, c cee, t.* FROM t
----
SELECT DISTINCT a, b AS bee, c AS cee, t.* FROM t
====
select a from t where x = 1 and y = 2 or not z = 3
----
SELECT a FROM t WHERE x = 1 AND y = 2 OR NOT z = 3
====
select (a + b) * c, a + b * c, a - (b - c), (a - b) - c from t
----
SELECT (a + b) * c, a + b * c, a - (b - c), a - b - c FROM t
====
select a from t where (x = 1 or y = 2) and z = 3
----
SELECT a FROM t WHERE (x = 1 OR y = 2) AND z = 3
====
select a from t where b between 1 and 5 and c not between 2 and 3
----
SELECT a FROM t WHERE b BETWEEN 1 AND 5 AND c NOT BETWEEN 2 AND 3
====
select a from t where b in (1, 2, 3) and c not in ('x') and d like 'a%' and e not like '_b' and f is null and g is not null
----
SELECT a FROM t WHERE b IN (1, 2, 3) AND c NOT IN ('x') AND d LIKE 'a%' AND e NOT LIKE '_b' AND f IS NULL AND g IS NOT NULL
====
select case when a > 1 then 'big' when a < 0 then 'neg' else 'small' end, case a when 1 then 'one' end from t
----
SELECT CASE WHEN a > 1 THEN 'big' WHEN a < 0 THEN 'neg' ELSE 'small' END, CASE a WHEN 1 THEN 'one' END FROM t
====
select cast(a as integer), cast('1.5' as text), coalesce(a, b, 0), upper(name), count(*), count(distinct a) from t
----
SELECT CAST(a AS NUMBER), CAST('1.5' AS STRING), COALESCE(a, b, 0), UPPER(name), COUNT(*), COUNT(DISTINCT a) FROM t
====
select p.address.city, p.hobbies[0].name, p.hobbies[*].name from people p
----
SELECT p.address.city, p.hobbies[0].name, p.hobbies[*].name FROM people AS p
====
select a from t where a = @name and b = ? and c = ?
----
SELECT a FROM t WHERE a = @name AND b = ? AND c = ?
====
select -a, - -b, -(1 + 2), 1.50, .5, 1e3, 'it''s', true, FALSE, null from t
----
SELECT -a, -(-b), -(1 + 2), 1.50, .5, 1e3, 'it''s', TRUE, FALSE, NULL FROM t
====
select "select", "my col", "a""b" from "order"
----
SELECT "select", "my col", "a""b" FROM "order"
====
select a, count(*) from t group by a having count(*) > 1 order by a desc, b asc, c limit 10 offset 5
----
SELECT a, COUNT(*) FROM t GROUP BY a HAVING COUNT(*) > 1 ORDER BY a DESC, b, c LIMIT 10 OFFSET 5
====
select products.price, people.people_name, items.search from items inner join people on items.people = people.id inner join products on items.search = products.name
----
SELECT products.price, people.people_name, items.search FROM items INNER JOIN people ON items.people = people.id INNER JOIN products ON items.search = products.name
====
select * from a left outer join b on a.x = b.x cross join c, d join e on e.k = d.k
----
SELECT * FROM a LEFT JOIN b ON a.x = b.x CROSS JOIN c CROSS JOIN d INNER JOIN e ON e.k = d.k
====
select * from a join (b join c on b.x = c.x) on a.y = b.y
----
SELECT * FROM a INNER JOIN (b INNER JOIN c ON b.x = c.x) ON a.y = b.y
====
select x.n from (select a as n from t where a > 1) as x where x.n in (select b from u) and exists (select 1 from v) and x.n = (select max(b) from u)
----
SELECT x.n FROM (SELECT a AS n FROM t WHERE a > 1) AS x WHERE x.n IN (SELECT b FROM u) AND EXISTS (SELECT 1 FROM v) AND x.n = (SELECT MAX(b) FROM u)
====
select a from t union select b from u union all select c from v order by 1 limit 3
----
SELECT a FROM t UNION SELECT b FROM u UNION ALL SELECT c FROM v ORDER BY 1 LIMIT 3
====
select a from t union (select b from u union select c from v)
----
SELECT a FROM t UNION (SELECT b FROM u UNION SELECT c FROM v)
====
(select a from t order by a limit 1) union all (select b from u limit 2)
----
(SELECT a FROM t ORDER BY a LIMIT 1) UNION ALL (SELECT b FROM u LIMIT 2)
====
select a || b, a % 2, a / b, a <> b, a != b, a <= b, a >= b, a == b from t
----
SELECT a || b, a % 2, a / b, a <> b, a <> b, a <= b, a >= b, a = b FROM t
====
SELECT a FROM t -- trailing comment
WHERE /* inline
comment */ b = 1
----
SELECT a FROM t WHERE b = 1
====
select not (a = 1 and b = 2), (not a) = b, a = (not b), not not a from t
----
SELECT NOT (a = 1 AND b = 2), (NOT a) = b, a = (NOT b), NOT (NOT a) FROM t
====
select key, index, view from t
----
SELECT "key", "index", "view" FROM t
====
select 1
----
SELECT 1
====
select d.name, (select count(*) from emp e where e.dept = d.id) as n from dept d where not exists (select 1 from emp x where x.dept = d.id and x.salary > d.budget) and d.id in (select dept from emp where emp.boss = d.id)
----
SELECT d.name, (SELECT COUNT(*) FROM emp AS e WHERE e.dept = d.id) AS n FROM dept AS d WHERE NOT EXISTS (SELECT 1 FROM emp AS x WHERE x.dept = d.id AND x.salary > d.budget) AND d.id IN (SELECT dept FROM emp WHERE emp.boss = d.id)
