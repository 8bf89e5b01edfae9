# Parser fixture corpus. A case is query text, then "=> canonical text" or "!! first line of the error", then "===".
MATCH (n) RETURN n
=> MATCH (n) RETURN n
===
match (a:Person {name: 'Ann'})-[:KNOWS]->(b) return a.name, b
=> MATCH (a:Person {name: 'Ann'})-[:KNOWS]->(b) RETURN a.name, b
===
MATCH (a)<-[r:A|B]-(b)-[:C|:D]-(c), (d) RETURN *
=> MATCH (a)<-[r:A|B]-(b)-[:C|D]-(c), (d) RETURN *
===
MATCH (a)-->(b)<--(c)--(d) RETURN a
=> MATCH (a)-->(b)<--(c)--(d) RETURN a
===
MATCH p = (a)-[*]->(b), (a)-[*2]->(c), (a)-[r*1..3]->(d), (a)-[*..5]-(e), (a)-[:T*2..]->(f) RETURN p
=> MATCH p = (a)-[*]->(b), (a)-[*2]->(c), (a)-[r*1..3]->(d), (a)-[*..5]-(e), (a)-[:T*2..]->(f) RETURN p
===
OPTIONAL MATCH (n:Person:Admin) WHERE n:Person AND NOT n.age > 3 OR n.x IS NULL XOR n.y IS NOT NULL RETURN n
=> OPTIONAL MATCH (n:Person:Admin) WHERE (((n:Person) AND (NOT (n.age > 3))) OR ((n.x IS NULL) XOR (n.y IS NOT NULL))) RETURN n
===
MATCH (n) WHERE n.name STARTS WITH 'A' AND n.name ENDS WITH "z" AND n.name CONTAINS 'q' AND n.k IN [1, 2] AND n.name =~ 'A.*' RETURN n
=> MATCH (n) WHERE (((((n.name STARTS WITH 'A') AND (n.name ENDS WITH 'z')) AND (n.name CONTAINS 'q')) AND (n.k IN [1, 2])) AND (n.name =~ 'A.*')) RETURN n
===
RETURN 1 + 2 * 3 - 4 / 2 % 3 ^ 2 AS x
=> RETURN ((1 + (2 * 3)) - ((4 / 2) % (3 ^ 2))) AS x
===
RETURN -1, - 2.5, -x, -(1), 1e3, .5, 0x1F, -9223372036854775808
=> RETURN -1, -2.5, -(x), -(1), 1000.0, 0.5, 31, -9223372036854775808
===
WITH [1, 2, 3] AS l RETURN l[0], l[1..], l[..2], l[0..1], [x IN l WHERE x > 1 | x * 2], [x IN l], {a: 1, `b c`: [true, false, null]}
=> WITH [1, 2, 3] AS l RETURN l[0], l[1..], l[..2], l[0..1], [x IN l WHERE (x > 1) | (x * 2)], [x IN l], {a: 1, `b c`: [TRUE, FALSE, NULL]}
===
RETURN CASE WHEN 1 = 1 THEN 'a' ELSE 'b' END, CASE x WHEN 1 THEN 2 END
=> RETURN CASE WHEN (1 = 1) THEN 'a' ELSE 'b' END, CASE x WHEN 1 THEN 2 END
===
MATCH (n) WITH DISTINCT n.a AS a, count(*) AS c WHERE c > 1 RETURN a, collect(DISTINCT a) ORDER BY a DESC, c SKIP 1 LIMIT $lim
=> MATCH (n) WITH DISTINCT n.a AS a, count(*) AS c WHERE (c > 1) RETURN a, collect(DISTINCT a) ORDER BY a DESC, c SKIP 1 LIMIT $lim
===
UNWIND [1, 2] AS x CREATE (a:A {v: x})-[:R {w: 1}]->(b:B)<-[:S]-(c) RETURN a
=> UNWIND [1, 2] AS x CREATE (a:A {v: x})-[:R {w: 1}]->(b:B)<-[:S]-(c) RETURN a
===
MERGE (a:P {name: 'x'}) ON CREATE SET a.created = true ON MATCH SET a.seen = a.seen + 1, a:Seen
=> MERGE (a:P {name: 'x'}) ON CREATE SET a.created = TRUE ON MATCH SET a.seen = (a.seen + 1), a:Seen
===
MATCH (n) SET n.p = 1, n += {q: 2}, n = {r: 3}, n:L:M REMOVE n.p, n:L DETACH DELETE n
=> MATCH (n) SET n.p = 1, n += {q: 2}, n = {r: 3}, n:L:M REMOVE n.p, n:L DETACH DELETE n
===
MATCH (n) DELETE n
=> MATCH (n) DELETE n
===
RETURN 1 AS x UNION RETURN 2 AS x UNION ALL RETURN 3 AS x;
=> RETURN 1 AS x UNION RETURN 2 AS x UNION ALL RETURN 3 AS x
===
EXPLAIN MATCH (n:Person) RETURN n
=> EXPLAIN MATCH (n:Person) RETURN n
===
merge (person:Post {'name':'Samuel'})-[:LIKES]->(post:Post {'name':'Love'})
=> MERGE (person:Post {name: 'Samuel'})-[:LIKES]->(post:Post {name: 'Love'})
===
match (start:Person)-[:FRIEND]->(end:Person) return start, end
=> MATCH (start:Person)-[:FRIEND]->(`end`:Person) RETURN start, `end`
===
RETURN 'it\'s', "say \"hi\"\n", '\u0041'
=> RETURN 'it\'s', 'say "hi"\n', 'A'
===
// a comment
MATCH /* inline */ (n) RETURN n.`odd name` AS `weird alias`, x<-1
=> MATCH (n) RETURN n.`odd name` AS `weird alias`, (x < -1)
===
MATCH (n RETURN n
!! Expected ')' but found 'RETURN' (line 1, column 10)
===
MATCH (n) RETURN
!! Expected an expression but found end of input (line 1, column 17)
===
RETURN 9223372036854775808
!! Integer literal 9223372036854775808 does not fit in 64 bits (line 1, column 8)
===
RETURN 'abc
!! String literal is not closed (line 1, column 8)
===
MATCH (n)
WHERE n.x = #
RETURN n
!! Unexpected character '#' (line 2, column 13)
===
MATCH (a)-[r]->(b) RETURN a ORDER n
!! Expected BY but found 'n' (line 1, column 35)
===
CREATE (a)-[:X]-(b) RETURN a LIMIT
!! Expected an expression but found end of input (line 1, column 35)
===
RETURN 1 RETURN 2
!! Expected a clause or end of input but found 'RETURN' (line 1, column 10)
