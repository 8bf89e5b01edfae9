using System.Text;
using KvDb.Sql.Syntax;

namespace KvDb.Sql.Ast;

/// <summary>
/// Prints syntax trees as canonical SQL: upper-case keywords, single spaces, identifiers quoted only when needed and
/// parentheses only where precedence requires them, so that parsing the output gives back an equal tree.
/// </summary>
internal static class SqlPrinter
{
    // Printing precedences (higher binds tighter); they mirror the parser's table.
    private const int PrecOr = 1;
    private const int PrecAnd = 2;
    private const int PrecNot = 3;
    private const int PrecCompare = 4;
    private const int PrecConcat = 5;
    private const int PrecAdd = 6;
    private const int PrecMultiply = 7;
    private const int PrecUnary = 8;
    private const int PrecAtom = 9;

    public static string Print(SqlExpr expr)
    {
        var sb = new StringBuilder();
        Expr(sb, expr);
        return sb.ToString();
    }

    public static string Print(QueryExpr query)
    {
        var sb = new StringBuilder();
        Query(sb, query);
        return sb.ToString();
    }

    public static string Print(SqlStatement statement)
    {
        var sb = new StringBuilder();
        Statement(sb, statement);
        return sb.ToString();
    }

    /// <summary>An identifier, quoted with double quotes unless it is a plain word that is not a keyword.</summary>
    /// <param name="name">The identifier.</param>
    /// <returns>The printed identifier.</returns>
    public static string Identifier(string name)
    {
        var plain = name.Length > 0 && (char.IsAsciiLetter(name[0]) || name[0] == '_');
        for (var i = 1; plain && i < name.Length; i++)
        {
            plain = char.IsAsciiLetterOrDigit(name[i]) || name[i] == '_' || name[i] == '$';
        }

        if (plain && !Keywords.TryGet(name, out _))
        {
            return name;
        }

        return "\"" + name.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
    }

    /// <summary>A function name: printed as is when it lexes as one word, so that it reparses as a call.</summary>
    /// <param name="name">The name.</param>
    /// <returns>The printed name.</returns>
    public static string FunctionName(string name)
    {
        var plain = name.Length > 0 && (char.IsLetter(name[0]) || name[0] == '_');
        for (var i = 1; plain && i < name.Length; i++)
        {
            plain = char.IsLetterOrDigit(name[i]) || name[i] == '_' || name[i] == '$';
        }

        return plain && !(Keywords.TryGet(name, out var kind) && !Keywords.IsNonReserved(kind)) ? name : Identifier(name);
    }

    /// <summary>A string literal in single quotes.</summary>
    /// <param name="value">The value.</param>
    /// <returns>The literal.</returns>
    public static string StringLiteral(string value) => "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'";

    public static string TypeName(SqlType type) => type switch
    {
        SqlType.String => "STRING",
        SqlType.Number => "NUMBER",
        SqlType.Binary => "BINARY",
        SqlType.Boolean => "BOOLEAN",
        SqlType.List => "LIST",
        SqlType.Map => "MAP",
        _ => "ANY",
    };

    public static int Precedence(SqlExpr expr) => expr switch
    {
        BinaryExpr b => Precedence(b.Op),
        UnaryExpr { Op: UnaryOp.Not } => PrecNot,
        UnaryExpr => PrecUnary,
        BetweenExpr or InListExpr or InQueryExpr or LikeExpr or IsNullExpr => PrecCompare,
        _ => PrecAtom,
    };

    public static int Precedence(BinaryOp op) => op switch
    {
        BinaryOp.Or => PrecOr,
        BinaryOp.And => PrecAnd,
        BinaryOp.Concat => PrecConcat,
        BinaryOp.Add or BinaryOp.Subtract => PrecAdd,
        BinaryOp.Multiply or BinaryOp.Divide or BinaryOp.Modulo => PrecMultiply,
        _ => PrecCompare,
    };

    public static string OperatorText(BinaryOp op) => op switch
    {
        BinaryOp.Or => "OR",
        BinaryOp.And => "AND",
        BinaryOp.Equal => "=",
        BinaryOp.NotEqual => "<>",
        BinaryOp.Less => "<",
        BinaryOp.LessOrEqual => "<=",
        BinaryOp.Greater => ">",
        BinaryOp.GreaterOrEqual => ">=",
        BinaryOp.Concat => "||",
        BinaryOp.Add => "+",
        BinaryOp.Subtract => "-",
        BinaryOp.Multiply => "*",
        BinaryOp.Divide => "/",
        _ => "%",
    };

    /// <summary>Prints <paramref name="expr"/>, in parentheses when its precedence is below <paramref name="minPrecedence"/>.</summary>
    private static void Operand(StringBuilder sb, SqlExpr expr, int minPrecedence)
    {
        if (Precedence(expr) < minPrecedence)
        {
            sb.Append('(');
            Expr(sb, expr);
            sb.Append(')');
        }
        else
        {
            Expr(sb, expr);
        }
    }

    private static void Expr(StringBuilder sb, SqlExpr expr)
    {
        switch (expr)
        {
            case LiteralExpr lit:
                sb.Append(lit.Kind switch
                {
                    LiteralKind.String => StringLiteral(lit.Text),
                    LiteralKind.Null => "NULL",
                    _ => lit.Text,
                });
                break;
            case ParameterExpr p:
                sb.Append(p.Name is null ? "?" : "@" + p.Name);
                break;
            case PathExpr path:
                Path(sb, path);
                break;
            case UnaryExpr { Op: UnaryOp.Not } not:
                sb.Append("NOT ");
                Operand(sb, not.Operand, PrecNot + 1);
                break;
            case UnaryExpr neg:
                sb.Append('-');
                if (neg.Operand is UnaryExpr { Op: UnaryOp.Negate } || (neg.Operand is LiteralExpr { Kind: LiteralKind.Number } l && l.Text.StartsWith('-')))
                {
                    sb.Append('(');
                    Expr(sb, neg.Operand);
                    sb.Append(')');
                }
                else
                {
                    Operand(sb, neg.Operand, PrecUnary);
                }

                break;
            case BinaryExpr b:
                var prec = Precedence(b.Op);
                Operand(sb, b.Left, prec);
                sb.Append(' ').Append(OperatorText(b.Op)).Append(' ');
                Operand(sb, b.Right, prec + 1);
                break;
            case BetweenExpr between:
                Operand(sb, between.Operand, PrecCompare);
                sb.Append(between.Negated ? " NOT BETWEEN " : " BETWEEN ");
                Operand(sb, between.Low, PrecCompare + 1);
                sb.Append(" AND ");
                Operand(sb, between.High, PrecCompare + 1);
                break;
            case InListExpr inList:
                Operand(sb, inList.Operand, PrecCompare);
                sb.Append(inList.Negated ? " NOT IN (" : " IN (");
                List(sb, inList.Values);
                sb.Append(')');
                break;
            case InQueryExpr inQuery:
                Operand(sb, inQuery.Operand, PrecCompare);
                sb.Append(inQuery.Negated ? " NOT IN (" : " IN (");
                Query(sb, inQuery.Query);
                sb.Append(')');
                break;
            case LikeExpr like:
                Operand(sb, like.Operand, PrecCompare);
                sb.Append(like.Negated ? " NOT LIKE " : " LIKE ");
                Operand(sb, like.Pattern, PrecCompare + 1);
                break;
            case IsNullExpr isNull:
                Operand(sb, isNull.Operand, PrecCompare);
                sb.Append(isNull.Negated ? " IS NOT NULL" : " IS NULL");
                break;
            case CaseExpr c:
                sb.Append("CASE");
                if (c.Operand is not null)
                {
                    sb.Append(' ');
                    Expr(sb, c.Operand);
                }

                foreach (var when in c.Whens)
                {
                    sb.Append(" WHEN ");
                    Expr(sb, when.When);
                    sb.Append(" THEN ");
                    Expr(sb, when.Then);
                }

                if (c.Else is not null)
                {
                    sb.Append(" ELSE ");
                    Expr(sb, c.Else);
                }

                sb.Append(" END");
                break;
            case CastExpr cast:
                sb.Append("CAST(");
                Expr(sb, cast.Operand);
                sb.Append(" AS ").Append(TypeName(cast.Type)).Append(')');
                break;
            case FunctionExpr f:
                sb.Append(FunctionName(f.Name)).Append('(');
                if (f.Star)
                {
                    sb.Append('*');
                }
                else
                {
                    if (f.Distinct)
                    {
                        sb.Append("DISTINCT ");
                    }

                    List(sb, f.Arguments);
                }

                sb.Append(')');
                break;
            case ExistsExpr exists:
                sb.Append("EXISTS (");
                Query(sb, exists.Query);
                sb.Append(')');
                break;
            case SubqueryExpr sub:
                sb.Append('(');
                Query(sb, sub.Query);
                sb.Append(')');
                break;
            default:
                throw new InvalidOperationException($"Cannot print {expr.GetType().Name}.");
        }
    }

    public static void Path(StringBuilder sb, PathExpr path)
    {
        for (var i = 0; i < path.Steps.Count; i++)
        {
            var step = path.Steps[i];
            if (step.Name is not null)
            {
                if (i > 0)
                {
                    sb.Append('.');
                }

                sb.Append(Identifier(step.Name));
            }
            else
            {
                sb.Append(step.IsAnyElement ? "[*]" : $"[{step.Index}]");
            }
        }
    }

    private static void List(StringBuilder sb, IReadOnlyList<SqlExpr> items)
    {
        for (var i = 0; i < items.Count; i++)
        {
            if (i > 0)
            {
                sb.Append(", ");
            }

            Expr(sb, items[i]);
        }
    }

    private static void Query(StringBuilder sb, QueryExpr query)
    {
        switch (query)
        {
            case SelectQuery s:
                sb.Append(s.Distinct ? "SELECT DISTINCT " : "SELECT ");
                for (var i = 0; i < s.Items.Count; i++)
                {
                    if (i > 0)
                    {
                        sb.Append(", ");
                    }

                    switch (s.Items[i])
                    {
                        case StarItem star:
                            sb.Append(star.Qualifier is null ? "*" : Identifier(star.Qualifier) + ".*");
                            break;
                        case ExprItem item:
                            Expr(sb, item.Expr);
                            if (item.Alias is not null)
                            {
                                sb.Append(" AS ").Append(Identifier(item.Alias));
                            }

                            break;
                    }
                }

                if (s.From is not null)
                {
                    sb.Append(" FROM ");
                    Table(sb, s.From, false);
                }

                if (s.Where is not null)
                {
                    sb.Append(" WHERE ");
                    Expr(sb, s.Where);
                }

                if (s.GroupBy.Count > 0)
                {
                    sb.Append(" GROUP BY ");
                    List(sb, s.GroupBy);
                }

                if (s.Having is not null)
                {
                    sb.Append(" HAVING ");
                    Expr(sb, s.Having);
                }

                break;
            case UnionQuery u:
                UnionOperand(sb, u.Left, u.Left is UnionQuery && !u.Left.HasOrderOrLimit);
                sb.Append(u.All ? " UNION ALL " : " UNION ");
                UnionOperand(sb, u.Right, false);
                break;
        }

        if (query.OrderBy.Count > 0)
        {
            sb.Append(" ORDER BY ");
            for (var i = 0; i < query.OrderBy.Count; i++)
            {
                if (i > 0)
                {
                    sb.Append(", ");
                }

                Expr(sb, query.OrderBy[i].Expr);
                if (query.OrderBy[i].Descending)
                {
                    sb.Append(" DESC");
                }
            }
        }

        if (query.Limit is not null)
        {
            sb.Append(" LIMIT ");
            Expr(sb, query.Limit);
        }

        if (query.Offset is not null)
        {
            sb.Append(" OFFSET ");
            Expr(sb, query.Offset);
        }
    }

    private static void UnionOperand(StringBuilder sb, QueryExpr operand, bool bareAllowed)
    {
        if (bareAllowed || (operand is SelectQuery && !operand.HasOrderOrLimit))
        {
            Query(sb, operand);
        }
        else
        {
            sb.Append('(');
            Query(sb, operand);
            sb.Append(')');
        }
    }

    private static void Table(StringBuilder sb, TableRef table, bool nested)
    {
        switch (table)
        {
            case NamedTableRef named:
                sb.Append(Identifier(named.Name));
                if (named.Alias is not null)
                {
                    sb.Append(" AS ").Append(Identifier(named.Alias));
                }

                break;
            case DerivedTableRef derived:
                sb.Append('(');
                Query(sb, derived.Query);
                sb.Append(") AS ").Append(Identifier(derived.Alias));
                break;
            case JoinRef join:
                if (nested)
                {
                    sb.Append('(');
                }

                Table(sb, join.Left, false);
                sb.Append(join.Kind switch
                {
                    JoinKind.Inner => " INNER JOIN ",
                    JoinKind.Left => " LEFT JOIN ",
                    _ => " CROSS JOIN ",
                });
                Table(sb, join.Right, true);
                if (join.On is not null)
                {
                    sb.Append(" ON ");
                    Expr(sb, join.On);
                }

                if (nested)
                {
                    sb.Append(')');
                }

                break;
        }
    }

    private static void Statement(StringBuilder sb, SqlStatement statement)
    {
        switch (statement)
        {
            case SelectStatement s:
                Query(sb, s.Query);
                break;
            case InsertStatement insert:
                sb.Append("INSERT INTO ").Append(Identifier(insert.Table));
                if (insert.Columns.Count > 0)
                {
                    sb.Append(" (").AppendJoin(", ", insert.Columns.Select(Identifier)).Append(')');
                }

                if (insert.Rows is not null)
                {
                    sb.Append(" VALUES ");
                    for (var i = 0; i < insert.Rows.Count; i++)
                    {
                        sb.Append(i > 0 ? ", (" : "(");
                        List(sb, insert.Rows[i]);
                        sb.Append(')');
                    }
                }
                else if (insert.Query is not null)
                {
                    sb.Append(' ');
                    Query(sb, insert.Query);
                }

                break;
            case UpdateStatement update:
                sb.Append("UPDATE ").Append(Identifier(update.Table));
                if (update.Alias is not null)
                {
                    sb.Append(" AS ").Append(Identifier(update.Alias));
                }

                sb.Append(" SET ");
                for (var i = 0; i < update.Assignments.Count; i++)
                {
                    if (i > 0)
                    {
                        sb.Append(", ");
                    }

                    Path(sb, update.Assignments[i].Target);
                    sb.Append(" = ");
                    Expr(sb, update.Assignments[i].Value);
                }

                if (update.Where is not null)
                {
                    sb.Append(" WHERE ");
                    Expr(sb, update.Where);
                }

                break;
            case DeleteStatement delete:
                sb.Append("DELETE FROM ").Append(Identifier(delete.Table));
                if (delete.Alias is not null)
                {
                    sb.Append(" AS ").Append(Identifier(delete.Alias));
                }

                if (delete.Where is not null)
                {
                    sb.Append(" WHERE ");
                    Expr(sb, delete.Where);
                }

                break;
            case CreateTableStatement create:
                sb.Append(create.IfNotExists ? "CREATE TABLE IF NOT EXISTS " : "CREATE TABLE ").Append(Identifier(create.Name)).Append(" (");
                sb.AppendJoin(", ", create.Columns.Select(c => Identifier(c.Name) + " " + TypeName(c.Type)));
                if (create.PrimaryKey.Count > 0)
                {
                    if (create.Columns.Count > 0)
                    {
                        sb.Append(", ");
                    }

                    sb.Append("PRIMARY KEY (").AppendJoin(", ", create.PrimaryKey.Select(Identifier)).Append(')');
                }

                sb.Append(')');
                break;
            case DropTableStatement drop:
                sb.Append(drop.IfExists ? "DROP TABLE IF EXISTS " : "DROP TABLE ").Append(Identifier(drop.Name));
                break;
            case CreateIndexStatement index:
                sb.Append("CREATE INDEX ").Append(Identifier(index.Name)).Append(" ON ").Append(Identifier(index.Table))
                    .Append(" (").AppendJoin(", ", index.Columns.Select(Identifier)).Append(')');
                break;
            case DropIndexStatement dropIndex:
                sb.Append(dropIndex.IfExists ? "DROP INDEX IF EXISTS " : "DROP INDEX ").Append(Identifier(dropIndex.Name));
                if (dropIndex.Table is not null)
                {
                    sb.Append(" ON ").Append(Identifier(dropIndex.Table));
                }

                break;
            case CreateJoinStatement join:
                sb.Append("CREATE JOIN");
                foreach (var clause in join.Clauses)
                {
                    sb.Append(" INNER JOIN ").Append(Identifier(clause.Table)).Append(" ON ");
                    Expr(sb, clause.On);
                }

                break;
            case CreateMaterializedViewStatement view:
                sb.Append("CREATE MATERIALIZED VIEW ").Append(Identifier(view.Name)).Append(" AS ");
                Query(sb, view.Query);
                break;
            case DropMaterializedViewStatement dropView:
                sb.Append(dropView.IfExists ? "DROP MATERIALIZED VIEW IF EXISTS " : "DROP MATERIALIZED VIEW ").Append(Identifier(dropView.Name));
                break;
            case ExplainStatement explain:
                sb.Append("EXPLAIN ");
                Statement(sb, explain.Statement);
                break;
            case BeginStatement:
                sb.Append("BEGIN");
                break;
            case CommitStatement:
                sb.Append("COMMIT");
                break;
            case RollbackStatement:
                sb.Append("ROLLBACK");
                break;
            default:
                throw new InvalidOperationException($"Cannot print {statement.GetType().Name}.");
        }
    }
}
