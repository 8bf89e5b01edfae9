SELECT name FROM people WHERE id = 'p1'
----
Project people.name AS name
  Filter (people.id = 'p1')
    PointRead people key (id = 'p1') filter: id = "p1"
====
SELECT total FROM orders WHERE customer = 'p1' AND day LIKE '2024-%' ORDER BY day DESC LIMIT 3
----
Project total
  Limit 3
    Sort orders.day DESC
      Project orders.total AS total, orders.day
        Filter ((orders.customer = 'p1') AND (orders.day LIKE '2024-%'))
          PartitionQuery orders (customer = 'p1', day begins_with "2024-") filter: customer = "p1"
====
SELECT city, COUNT(*) FROM people WHERE age > 30 GROUP BY city HAVING COUNT(*) > 1
----
Project city, COUNT(*)
  Filter (COUNT(*) > 1)
    Aggregate group by people.city compute COUNT(*)
      Filter (people.age > 30)
        Scan people filter: age > 30
====
SELECT p.name, o.total FROM orders o JOIN people p ON o.customer = p.id
----
Project p.name AS name, o.total AS total
  HashJoin Inner keys o.customer = p.id (build right)
    Scan orders AS o
    Scan people AS p
====
SELECT p.name FROM people p LEFT JOIN orders o ON o.customer = p.id WHERE o.total IS NULL
----
Project p.name AS name
  Filter (o.total IS NULL)
    HashJoin Left keys p.id = o.customer (build right)
      Scan people AS p
      Scan orders AS o
====
SELECT name FROM people WHERE id IN (SELECT customer FROM orders WHERE total > 10)
----
Project people.name AS name
  Filter (people.id IN (subquery #0))
    Scan people
Subquery #0:
  Project orders.customer AS customer
    Filter (orders.total > 10)
      Scan orders filter: total > 10
====
SELECT name FROM people UNION ALL SELECT day FROM orders LIMIT 2
----
Limit 2
  UnionAll
    Project people.name AS name
      Scan people
    Project orders.day AS day
      Scan orders
====
UPDATE people SET age = age + 1 WHERE city = 'Oslo'
----
Update people (atomic)
  Filter (people.city = 'Oslo')
    Scan people filter: city = "Oslo"
====
INSERT INTO people (id, name) VALUES ('x', 'y'), ('z', 'w')
----
Insert people (2 rows, atomic)
====
SELECT p.name, (SELECT COUNT(*) FROM orders o WHERE o.customer = p.id) AS n FROM people p WHERE EXISTS (SELECT 1 FROM orders o WHERE o.customer = p.id AND o.total > 10)
----
Project p.name AS name, (subquery #1 correlated on p.id) AS n
  Filter EXISTS(subquery #0 correlated on p.id)
    Scan people AS p
Subquery #0 (correlated, run per distinct outer values):
  Project 1
    Filter ((o.customer = outer p.id) AND (o.total > 10))
      PartitionQuery orders AS o (customer = outer p.id) filter: total > 10
Subquery #1 (correlated, run per distinct outer values):
  Project COUNT(*)
    Aggregate compute COUNT(*)
      Filter (o.customer = outer p.id)
        PartitionQuery orders AS o (customer = outer p.id)
====
SELECT o.day FROM orders o WHERE o.total > (SELECT AVG(x.total) FROM orders x WHERE x.customer = o.customer AND x.day = o.day)
----
Project o.day AS day
  Filter (o.total > (subquery #0 correlated on o.customer, o.day))
    Scan orders AS o
Subquery #0 (correlated, run per distinct outer values):
  Project AVG(x.total)
    Aggregate compute AVG(x.total)
      Filter ((x.customer = outer o.customer) AND (x.day = outer o.day))
        PointRead orders AS x key (customer = outer o.customer, day = outer o.day)
====
SELECT name FROM people WHERE name LIKE 'A%'
----
Project people.name AS name
  Filter (people.name LIKE 'A%')
    Scan people
