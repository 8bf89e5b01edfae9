namespace KvDb.Cypher.Ast;

/// <summary>A schema command: a statement of its own that manages indexes instead of querying the graph.</summary>
internal abstract record SchemaCommand;

/// <summary><c>CREATE INDEX [name] [IF NOT EXISTS] FOR (v:Label) ON (v.property)</c>.</summary>
internal sealed record CreateIndexCommand(string? Name, bool IfNotExists, string Variable, string Label, string Property) : SchemaCommand
{
    public override string ToString() =>
        "CREATE INDEX " + (Name is null ? "" : Printer.Name(Name) + " ") + (IfNotExists ? "IF NOT EXISTS " : "") +
        "FOR (" + Printer.Name(Variable) + ":" + Printer.Name(Label) + ") ON (" + Printer.Name(Variable) + "." + Printer.Name(Property) + ")";
}

/// <summary><c>DROP INDEX name [IF EXISTS]</c>.</summary>
internal sealed record DropIndexCommand(string Name, bool IfExists) : SchemaCommand
{
    public override string ToString() => "DROP INDEX " + Printer.Name(Name) + (IfExists ? " IF EXISTS" : "");
}

/// <summary><c>SHOW [ALL | RANGE] INDEXES</c>.</summary>
internal sealed record ShowIndexesCommand : SchemaCommand
{
    public override string ToString() => "SHOW INDEXES";
}
