## match all nodes of a label
setup:
CREATE (:A {n: 1}), (:A {n: 2}), (:B {n: 3})
query:
MATCH (a:A) RETURN a.n
rows:
1
2
===
## match a node with two labels
setup:
CREATE (:A:B {n: 1}), (:A {n: 2})
query:
MATCH (x:A:B) RETURN x.n, labels(x)
rows:
1 | ['A', 'B']
===
## incoming arrow keeps its direction
setup:
CREATE (:P {n: 'a'})-[:F]->(:P {n: 'b'})
query:
MATCH (x)<-[:F]-(y) RETURN x.n, y.n
rows:
'b' | 'a'
===
## undirected match finds both orientations
setup:
CREATE (:P {n: 'a'})-[:F]->(:P {n: 'b'})
query:
MATCH (x)-[:F]-(y) RETURN x.n, y.n
rows:
'a' | 'b'
'b' | 'a'
===
## self loop matched once undirected
setup:
CREATE (a:P {n: 'a'}), (a)-[:L]->(a)
query:
MATCH (x)-[r:L]-(y) RETURN x.n, y.n
rows:
'a' | 'a'
===
## relationship property map filters
setup:
CREATE (a:P)-[:R {w: 1}]->(:Q {n: 1}), (a)-[:R {w: 2}]->(:Q {n: 2})
query:
MATCH (:P)-[:R {w: 2}]->(q) RETURN q.n
rows:
2
===
## cartesian product of disconnected parts
setup:
CREATE (:A {n: 1}), (:A {n: 2}), (:B {n: 3})
query:
MATCH (a:A), (b:B) RETURN a.n, b.n
rows:
1 | 3
2 | 3
===
## where on relationship property with null semantics
setup:
CREATE (a:P)-[:R {w: 1}]->(:Q), (a)-[:R]->(:Q)
query:
MATCH (:P)-[r:R]->() WHERE r.w <> 1 RETURN r.w
rows:
===
## optional match keeps rows
setup:
CREATE (:P {n: 1}), (:P {n: 2})-[:R]->(:Q {m: 9})
query:
MATCH (p:P) OPTIONAL MATCH (p)-[:R]->(q) RETURN p.n, q.m ORDER BY p.n
ordered rows:
1 | null
2 | 9
===
## order by with nulls last and skip limit
query:
UNWIND [3, null, 1, 2] AS x RETURN x ORDER BY x SKIP 1 LIMIT 2
ordered rows:
2
3
===
## order by descending puts nulls first
query:
UNWIND [3, null, 1] AS x RETURN x ORDER BY x DESC
ordered rows:
null
3
1
===
## order by mixed types uses the global order
query:
UNWIND [1, 'a', true, [1], {k: 1}] AS x RETURN x ORDER BY x
ordered rows:
{k: 1}
[1]
'a'
true
1
===
## aggregation grouped by node
setup:
CREATE (a:P {n: 'a'})-[:R]->(:Q), (a)-[:R]->(:Q), (:P {n: 'b'})-[:R]->(:Q)
query:
MATCH (p:P)-[:R]->(q) RETURN p.n, count(q) AS c ORDER BY c DESC
ordered rows:
'a' | 2
'b' | 1
===
## collect distinct and count distinct
query:
UNWIND [1, 2, 2, null, 3] AS x RETURN collect(DISTINCT x), count(DISTINCT x), count(x), count(*)
rows:
[1, 2, 3] | 3 | 4 | 5
===
## min max over strings
query:
UNWIND ['b', 'a', 'c'] AS x RETURN min(x), max(x)
rows:
'a' | 'c'
===
## with aggregation then filter
setup:
CREATE (:P {c: 'x'}), (:P {c: 'x'}), (:P {c: 'y'})
query:
MATCH (p:P) WITH p.c AS c, count(*) AS n WHERE n > 1 RETURN c, n
rows:
'x' | 2
===
## with star passes everything
query:
WITH 1 AS a UNWIND [2] AS b WITH *, a + b AS c RETURN a, b, c
rows:
1 | 2 | 3
===
## unwind a nested list
query:
UNWIND [[1, 2], [3]] AS l UNWIND l AS x RETURN x
ordered rows:
1
2
3
===
## create whole path with variables reused
query:
CREATE (a:A)-[:R]->(b:B)-[:S]->(a) RETURN labels(a), labels(b)
rows:
['A'] | ['B']
effects: nodes +2 -0, rels +2 -0, props 0, labels +2 -0
===
## create with parameters-free property expressions
query:
CREATE (n:N {v: 1 + 2, s: 'a' + 'b', l: [1, 2.5]}) RETURN n.v, n.s, n.l
rows:
3 | 'ab' | [1, 2.5]
effects: nodes +1 -0, rels +0 -0, props 3, labels +1 -0
===
## create node with null property skips it
query:
CREATE (n:N {a: null, b: 1}) RETURN keys(n)
rows:
['b']
===
## set property to a list of strings
setup:
CREATE (:N)
query:
MATCH (n:N) SET n.tags = ['a', 'b'] RETURN n.tags
rows:
['a', 'b']
then:
MATCH (n:N) RETURN size(n.tags)
2
===
## map property values are kept (issue 5 stores maps; Neo4j would reject them)
setup:
CREATE (:N)
query:
MATCH (n:N) SET n.m = {a: 1, b: [1.5, 'x']} RETURN n.m, n.m.b[0]
rows:
{a: 1, b: [1.5, 'x']} | 1.5
===
## set a property to a node is a type error
setup:
CREATE (:N)
query:
MATCH (n:N) SET n.m = n RETURN n
error: TypeError InvalidArgumentType
===
## set copies properties from another node
setup:
CREATE (:A {x: 1, y: 2}), (:B {z: 3})
query:
MATCH (a:A), (b:B) SET b = a RETURN properties(b)
rows:
{x: 1, y: 2}
===
## remove a missing property is harmless
setup:
CREATE (:N {a: 1})
query:
MATCH (n:N) REMOVE n.zzz RETURN n.a
rows:
1
effects: nodes +0 -0, rels +0 -0, props 0, labels +0 -0
===
## delete relationship only
setup:
CREATE (:A)-[:R]->(:B)
query:
MATCH ()-[r:R]->() DELETE r
rows:
effects: nodes +0 -0, rels +0 -1, props 0, labels +0 -0
then:
MATCH (n) RETURN count(n)
2
===
## detach delete everything
setup:
CREATE (a:A)-[:R]->(b:B)-[:R]->(a), (:C)
query:
MATCH (n) DETACH DELETE n
rows:
effects: nodes +0 -3, rels +0 -2, props 0, labels +0 -0
then:
MATCH (n) RETURN count(n)
0
===
## delete a connected node fails and changes nothing
setup:
CREATE (:A)-[:R]->(:B)
query:
MATCH (a:A) DELETE a
error: ConstraintVerificationFailed DeleteConnectedNode
===
## delete node and its relationship in one clause
setup:
CREATE (:A)-[:R]->(:B)
query:
MATCH (a:A)-[r]->() DELETE a, r
rows:
then:
MATCH (n) RETURN labels(n)
['B']
===
## merge twice creates once
setup:
MERGE (:M {k: 1})
MERGE (:M {k: 1})
query:
MATCH (m:M) RETURN count(m)
rows:
1
===
## merge relationship between bound nodes
setup:
CREATE (:A), (:B)
MATCH (a:A), (b:B) MERGE (a)-[:R]->(b)
MATCH (a:A), (b:B) MERGE (a)-[:R]->(b)
query:
MATCH (:A)-[r:R]->(:B) RETURN count(r)
rows:
1
===
## merge undirected relationship matches either direction
setup:
CREATE (:A)<-[:R]-(:B)
query:
MATCH (a:A), (b:B) MERGE (a)-[r:R]-(b) RETURN startNode(r) = b
rows:
true
effects: nodes +0 -0, rels +0 -0, props 0, labels +0 -0
===
## union removes duplicates across branches
setup:
CREATE (:A {n: 1}), (:B {n: 1}), (:B {n: 2})
query:
MATCH (a:A) RETURN a.n AS n UNION MATCH (b:B) RETURN b.n AS n
rows:
1
2
===
## union all keeps duplicates
setup:
CREATE (:A {n: 1}), (:B {n: 1})
query:
MATCH (a:A) RETURN a.n AS n UNION ALL MATCH (b:B) RETURN b.n AS n
rows:
1
1
===
## variable length with type and property filter on relationships
setup:
CREATE (:N {i: 0})-[:R {ok: true}]->(:N {i: 1})-[:R {ok: false}]->(:N {i: 2})
query:
MATCH (:N {i: 0})-[:R*1.. {ok: true}]->(b) RETURN b.i
rows:
1
===
## variable length zero includes start
setup:
CREATE (:N {i: 0})
query:
MATCH (a:N)-[*0..]->(b) RETURN a.i, b.i
rows:
0 | 0
===
## named path length and relationships
setup:
CREATE (:N {i: 0})-[:R {w: 1}]->(:N {i: 1})-[:R {w: 2}]->(:N {i: 2})
query:
MATCH p = (:N {i: 0})-[:R]->()-[:R]->() RETURN length(p), [r IN relationships(p) | r.w]
rows:
2 | [1, 2]
===
## string functions chain
query:
RETURN toUpper(trim('  ab ')) + toString(size('xyz')), split('a-b', '-')[1], left(reverse('hello'), 2)
rows:
'AB3' | 'b' | 'ol'
===
## in with null element
query:
RETURN 3 IN [1, null], 1 IN [1, null], null IN []
rows:
null | true | false
===
## list slicing with negatives
query:
WITH range(0, 5) AS l RETURN l[-2..], l[1..-1], l[4..2]
rows:
[4, 5] | [1, 2, 3, 4] | []
===
## regex with special characters
query:
RETURN 'a.b' =~ 'a\\.b', 'axb' =~ 'a\\.b', 'ABC' =~ '(?i)abc'
rows:
true | false | true
===
## equality across integer and float
query:
RETURN 1 = 1.0, 1 <> 1.0, [1, 2] = [1.0, 2.0], toString(1), toString(1.0)
rows:
true | false | true | '1' | '1.0'
===
## xor truth table with null
query:
RETURN true XOR false, true XOR true, null XOR true
rows:
true | false | null
===
## undefined variable in return
query:
MATCH (a) RETURN z
error: SyntaxError UndefinedVariable
===
## aggregate in where is rejected
query:
MATCH (a) WHERE sum(a.x) > 1 RETURN a
error: SyntaxError InvalidAggregation
===
## nested aggregate is rejected
query:
UNWIND [1] AS x RETURN sum(count(x))
error: SyntaxError InvalidAggregation
===
## variable length in create is rejected
query:
CREATE (a)-[:R*2]->(b)
error: SyntaxError InvalidRelationshipPattern
===
## missing parameter
query:
RETURN $nope
error: ParameterMissing MissingParameter
===
## negative limit
query:
UNWIND [1] AS x RETURN x LIMIT -1
error: SyntaxError InvalidArgumentValue
===
## substring with negative start
query:
RETURN substring('abc', -1)
error: ArgumentError InvalidArgumentValue
===
## overflow in multiplication
query:
RETURN 3037000500 * 3037000500
error: ArgumentError ArithmeticOverflow
===
## integer division truncates toward zero
query:
RETURN -7 / 2, -7 % 2, 7.0 / 2
rows:
-3 | -1 | 3.5
